import Foundation
import Reporting
import Testing

/// Where queries and reports are looked for: the working directory, the variable, the installed location, beside the
/// binary, the checkout of a `.build` binary — and never the source tree by its compiled-in path.
@Suite struct ResourceDirectoryTests {
    @Test func anInstalledBinaryLooksInPrefixShareBaton() {
        let found = ResourceDirectory.candidates(.queries, workingDirectory: "/work", environment: ["BATON_QUERIES": "sql"],
                                                 executable: URL(fileURLWithPath: "/opt/baton/bin/baton")).map(\.path)
        #expect(found == ["/work/queries", "/work/sql", "/opt/baton/share/baton/queries", "/opt/baton/bin/queries"])
    }

    @Test func aBinaryBuiltInACheckoutLooksInTheCheckout() {
        let exe = URL(fileURLWithPath: "/src/baton/.build/x86_64-unknown-linux-gnu/release/baton")
        let found = ResourceDirectory.candidates(.reports, workingDirectory: "/work", environment: [:], executable: exe).map(\.path)
        #expect(found.last == "/src/baton/reports")
        #expect(found.count == 4, "\(found)")
    }
}
