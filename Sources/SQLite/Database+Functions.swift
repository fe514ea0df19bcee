import CSQLite
import Foundation

/// The arguments of one call of a function registered with `Database.createFunction`, read in place (no array,
/// no copies): valid only during the call.
public struct FunctionArguments {
    let argv: UnsafeMutablePointer<OpaquePointer?>?
    public let count: Int

    public func isNull(_ i: Int) -> Bool { sqlite3_value_type(argv?[i]) == SQLITE_NULL }
    public func int64(_ i: Int) -> Int64 { sqlite3_value_int64(argv?[i]) }
    public func double(_ i: Int) -> Double { sqlite3_value_double(argv?[i]) }

    /// The argument's UTF-8 bytes, without copying them (nil for NULL); valid during the call only.
    public func withText<T>(_ i: Int, _ body: (UnsafeRawBufferPointer?) throws -> T) rethrows -> T {
        guard let v = argv?[i], sqlite3_value_type(v) != SQLITE_NULL, let text = sqlite3_value_text(v) else { return try body(nil) }
        return try body(UnsafeRawBufferPointer(start: text, count: Int(sqlite3_value_bytes(v))))
    }

    public func text(_ i: Int) -> String? { withText(i) { $0.map { String(decoding: $0, as: UTF8.self) } } }
}

/// A failure a registered function reports to the statement that called it (the query fails with this message).
public struct FunctionError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension Database {
    /// Registers (or replaces) the scalar function `name` with `argumentCount` arguments on this connection. The
    /// body returns the result; a thrown error fails the calling statement with its message. `deterministic`: the
    /// same arguments always give the same result (SQLite may then use it in indexes and factor it out).
    public func createFunction(_ name: String, argumentCount: Int, deterministic: Bool = true,
                               _ body: @escaping (FunctionArguments) throws -> SQLValue) throws {
        let box = Unmanaged.passRetained(FunctionBox(body)).toOpaque()
        let flags = SQLITE_UTF8 | (deterministic ? SQLITE_DETERMINISTIC : 0)
        let code = sqlite3_create_function_v2(handle, name, Int32(argumentCount), flags, box, { ctx, argc, argv in
            let box = Unmanaged<FunctionBox>.fromOpaque(sqlite3_user_data(ctx)).takeUnretainedValue()
            do {
                switch try box.body(FunctionArguments(argv: argv, count: Int(argc))) {
                case .null: sqlite3_result_null(ctx)
                case .integer(let i): sqlite3_result_int64(ctx, i)
                case .real(let d): sqlite3_result_double(ctx, d)
                case .text(let s): sqlite3_result_text(ctx, s, -1, baton_sqlite_transient())
                case .blob(let b): b.withUnsafeBytes { sqlite3_result_blob(ctx, $0.baseAddress, Int32($0.count), baton_sqlite_transient()) }
                }
            } catch {
                sqlite3_result_error(ctx, "\(error)", -1)
            }
        }, nil, nil, { box in
            if let box { Unmanaged<FunctionBox>.fromOpaque(box).release() }
        })
        guard code == SQLITE_OK else {
            Unmanaged<FunctionBox>.fromOpaque(box).release()
            throw SQLiteError.from(handle, code: code, sql: "register \(name)")
        }
    }
}

/// The registered body, kept alive by SQLite (released by its destructor when replaced or on close).
private final class FunctionBox {
    let body: (FunctionArguments) throws -> SQLValue
    init(_ body: @escaping (FunctionArguments) throws -> SQLValue) { self.body = body }
}
