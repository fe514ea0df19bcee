import Reporting

// The report engine picks renderers by format name through `ReportRenderer`.
extension HTMLReportRenderer: ReportRenderer {}
extension XLSXReportRenderer: ReportRenderer {}
