/// When an imported ticket closes: the one place for the rule.
///
/// Live CLI actions close a ticket when its last step is done (the service's `auto_close`, in the store). An import
/// records history as it happened, so a ticket closes or is cancelled where the log says so: a `closed` or
/// `cancelled` event, or a closing status of a status-change history. Many process-mining logs never say so (XES
/// has no ticket events), and a ticket that never closes has no lead time; two rules the user chooses fill that in:
/// - `casesComplete` (`--cases-complete`, profile `cases_complete`): the log holds whole cases, so a ticket the log
///   does not close closes at its last event (PM4Py's case duration: last event − first event);
/// - `closeOn` (`--close-on NAMES`, profile `close_on`): a ticket closes at the last event of the streak of named
///   activities that ends its case (a named activity followed by other work did not end the case).
public struct TicketClosing: Sendable, Equatable {
    public var casesComplete = false
    /// Activity names (or step keys) that close; compared as keys (`KeySlug`).
    public var closeOn: [String] = []

    public init(casesComplete: Bool = false, closeOn: [String] = []) {
        self.casesComplete = casesComplete
        self.closeOn = closeOn
    }

    private var closingKeys: Set<String> { Set(closeOn.map(KeySlug.make)) }

    /// What ends a ticket's lead time in a service this import creates, stored with the service
    /// (`ServiceDefinition.leadTimeEnds`) so that reports can state it.
    func leadTimeEnds(profile: ImportProfile?) -> String {
        if let profile { return (profile.leadTimeEnds ?? .resolved).rawValue }
        if !closeOn.isEmpty { return casesComplete ? "close-on, else last-event" : "close-on" }
        return casesComplete ? "last-event" : "log"
    }

    /// Canonical events of one ticket in time order: the `closed` event the rule adds (with the line of the event
    /// it closes at, and `source`, the import adding it), or nil when the log itself ends the ticket or no rule applies.
    func closingEvent(for events: [(Event, Int)], source: String) -> (Event, Int)? {
        guard casesComplete || !closeOn.isEmpty, let first = events.first,
              !events.contains(where: { $0.0.kind == .closed || $0.0.kind == .cancelled }) else { return nil }
        var closing: (Event, Int)?
        var byName = false
        // The final streak of named activities: the last of them closes the case.
        if !closeOn.isEmpty, let last = events.last(where: { !$0.0.kind.isTicketEvent }), closingKeys.contains(KeySlug.make(last.0.step)) {
            closing = last
            byName = true
        }
        if closing == nil && casesComplete { closing = events.last }
        guard let (end, line) = closing else { return nil }
        let at = end.at
        let note = byName ? "closed at a closing activity (--close-on)" : "closed at the case's last event (--cases-complete)"
        return (Event(ticketID: first.0.ticketID, kind: .closed, at: at, source: source, note: note), line)
    }

    /// A status-change history's closing, given each row's class in time order: the row whose instant ends the work
    /// (the run holding the ticket completes there) and the row that closes or cancels the ticket; nil when the
    /// ticket stays open. A final streak of closing rows closes the ticket at its first row (`resolved`, the default)
    /// or its last (`closed`); a closing row followed by other rows was a resolution that did not hold. With
    /// `casesComplete`, a history without a final closing streak closes at its last row.
    static func statusHistoryClosing(_ classes: [ImportProfile.StatusClass], ends: ImportProfile.LeadTimeEnds,
                                     casesComplete: Bool) -> (workEnds: Int, closes: Int, cancels: Bool)? {
        var streak = classes.count
        while streak > 0 && classes[streak - 1].ends { streak -= 1 }
        if streak < classes.count {
            let cancels = classes[streak] == .cancelled
            return (streak, ends == .closed && !cancels ? classes.count - 1 : streak, cancels)
        }
        guard casesComplete, !classes.isEmpty else { return nil }
        return (classes.count - 1, classes.count - 1, false)
    }
}
