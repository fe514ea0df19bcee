import BatonCLI
import Foundation

exit(BatonCLI.main(Array(CommandLine.arguments.dropFirst())))
