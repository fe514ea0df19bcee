public enum BatonCLI { public static func main(_ args: [String]) -> Int32 { 0 } }
