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
            try CommandSupport.applyFiles(inv, load: TeamDefinition.load(path:), uniqueKeys: ("team", \.key), check: { store, files in
                for (file, team) in files { try store.requireCalendar(team.calendar, file: file, field: "calendar") }
            }) { store, _, team in
                switch try store.apply(team: team) {
                case .added: return "\(team.key): added to the roster"
                case .updated: return "\(team.key): on the roster"
                case .unchanged: return "\(team.key): unchanged"
                }
            }
        })

    static let list = CommandSpec(
        name: "list",
        abstract: "List teams: key, name, where the store knows them from (roster, definition, log), open runs.",
        options: [RowFormat.option],
        run: { inv in try CommandSupport.printRows(inv) { try CommandSupport.store(inv).teamList() } })
}
