import BatonCore
import Foundation
import Orchestration
import SQLite

/// `baton team apply|list`: the roster of teams that really exist.
enum TeamCommands {
    static let group = CommandSpec(
        name: "team",
        abstract: "Declare the team roster (team files, JSON) and list the teams the store knows.",
        subcommands: [apply, list])

    static let apply = CommandSpec(
        name: "apply",
        abstract: "Validate team files ({\"key\", \"name\"}) and put each team on the roster.",
        discussion: """
        A team file is {"key": "facilities", "name": "Facilities"}; other fields are refused ("did you mean").
        Every file is checked before any is stored. Once a roster is declared, open work of a team outside it is
        an unowned alert ('baton alerts'), and 'baton service apply' warns about a step team not on it; with no
        roster, only work with no team is unowned (teams first seen in an imported log are not alerts).
        Example: baton team apply samples/teams/*.json
        """,
        arguments: [.arg("files", "Team files (JSON).", variadic: true)],
        run: { inv in
            let store = try CommandSupport.store(inv)
            let teams = try inv.arguments.map { try TeamDefinition.load(path: $0) }
            try CommandSupport.refuseDuplicateKeys(inv.arguments, teams.map(\.key), kind: "team")
            for (file, team) in zip(inv.arguments, teams) { try store.requireCalendar(team.calendar, file: file, field: "calendar") }
            try store.db.transaction {
                for team in teams {
                    switch try store.apply(team: team) {
                    case .added: inv.out.line("\(team.key): added to the roster")
                    case .updated: inv.out.line("\(team.key): on the roster")
                    case .unchanged: inv.out.line("\(team.key): unchanged")
                    }
                }
            }
            return 0
        })

    static let list = CommandSpec(
        name: "list",
        abstract: "List teams: key, name, where the store knows them from (roster, definition, log), open runs.",
        options: [RowFormat.option],
        run: { inv in
            let format = try RowFormat.from(inv)
            let store = try CommandSupport.store(inv)
            RowPrinter.print(try store.teamList(), format: format, to: inv.out)
            return 0
        })
}
