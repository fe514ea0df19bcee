import Testing
@testable import Rendering
import SQLite

@Suite struct CSVWriterTests {
    @Test(arguments: [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"), ("+1", "'+1"), ("-2", "'-2"), ("@cmd", "'@cmd"), ("\tx", "'\tx"),
        ("plain", "plain"), ("a,b", "\"a,b\""), ("say \"hi\"", "\"say \"\"hi\"\"\""), ("two\nlines", "\"two\nlines\""),
        ("=1,2", "\"'=1,2\""), ("", ""), ("\r=1", "\"'\r=1\""), ("\u{1B}x", "\u{1B}x"),
    ])
    func textFieldsAreQuotedAndGuarded(input: String, expected: String) {
        #expect(CSVWriter.field(.text(input)) == expected)
    }

    @Test func numbersKeepFullPrecisionWithoutSeparators() {
        #expect(CSVWriter.field(.integer(1_234_567)) == "1234567")
        #expect(CSVWriter.field(.real(2.5)) == "2.5")
        #expect(CSVWriter.field(.real(1.0 / 3)) == "0.3333333333333333")
        #expect(Double(CSVWriter.field(.real(1.0 / 3))) == 1.0 / 3)
        #expect(CSVWriter.field(.real(-0.25)) == "-0.25")  // numbers are not formula-guarded
        #expect(CSVWriter.field(.real(12.0)) == "12")
        #expect(CSVWriter.field(.null) == "")
    }

    @Test func recordsEndWithCRLF() {
        #expect(CSVWriter.record([.text("a"), .integer(1), .null]) == "a,1,\r\n")
        #expect(CSVWriter.header(["week", "service"]) == "week,service\r\n")
    }
}
