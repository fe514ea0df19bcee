/// SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), in Swift: the site's ticket addresses are keyed hashes, and
/// the package links no crypto library. Checked against the FIPS and RFC 4231 vectors in the tests.
public struct SHA256: Sendable {
    // Fixed-size state, no heap: a site hashes 150,000 short messages (a digest and an HMAC per ticket), and
    // array storage (allocation, copy on write of HMAC's key states) cost more than the compression.
    private var h: InlineArray<8, UInt32> = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
    /// The bytes of an incomplete block, `used` of them.
    private var block = InlineArray<64, UInt8>(repeating: 0)
    private var used = 0
    private var length: UInt64 = 0

    static let k: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    public init() {}

    /// The digest of `bytes` in one call.
    public static func hash<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
        var s = SHA256()
        s.update(bytes)
        return s.finish()
    }

    public mutating func update<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        length &+= UInt64(bytes.count)
        if bytes.withContiguousStorageIfAvailable({ absorb($0) }) == nil {
            Array(bytes).withUnsafeBufferPointer { absorb($0) }
        }
    }

    /// Fills the pending block, compresses whole blocks straight from the caller's bytes, keeps the rest.
    private mutating func absorb(_ p: UnsafeBufferPointer<UInt8>) {
        var i = 0
        if used > 0 {
            while used < 64 && i < p.count { block[used] = p[i]; used += 1; i += 1 }
            guard used == 64 else { return }
            compressBlock()
        }
        while p.count - i >= 64 { compress { p[i + $0] }; i += 64 }
        while i < p.count { block[used] = p[i]; used += 1; i += 1 }
    }

    private mutating func compressBlock() {
        let b = block
        compress { b[$0] }
        used = 0
    }

    public mutating func finish() -> [UInt8] {
        let bits = length &* 8
        block[used] = 0x80
        used += 1
        if used > 56 {
            while used < 64 { block[used] = 0; used += 1 }
            compressBlock()
        }
        while used < 56 { block[used] = 0; used += 1 }
        for i in 0..<8 { block[56 + i] = UInt8(truncatingIfNeeded: bits >> (UInt64(7 - i) * 8)) }
        compressBlock()
        var out: [UInt8] = []
        out.reserveCapacity(32)
        for j in 0..<8 {
            let word = h[j]
            for i in (0..<4).reversed() { out.append(UInt8(truncatingIfNeeded: word >> (UInt32(i) * 8))) }
        }
        return out
    }

    /// One 64-byte block, its byte `i` given by `byte(i)`.
    @inline(__always) private mutating func compress(_ byte: (Int) -> UInt8) {
        var w = InlineArray<64, UInt32>(repeating: 0)
        for i in 0..<16 {
            let j = i * 4
            w[i] = UInt32(byte(j)) << 24 | UInt32(byte(j + 1)) << 16 | UInt32(byte(j + 2)) << 8 | UInt32(byte(j + 3))
        }
        for i in 16..<64 {
            let s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
            let s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
            w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
        }
        var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7]
        Self.k.withUnsafeBufferPointer { k in
            for i in 0..<64 {
                let t1 = hh &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ ((e & f) ^ (~e & g)) &+ k[i] &+ w[i]
                let t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ ((a & b) ^ (a & c) ^ (b & c))
                hh = g; g = f; f = e; e = d &+ t1; d = c; c = b; b = a; a = t1 &+ t2
            }
        }
        h[0] &+= a; h[1] &+= b; h[2] &+= c; h[3] &+= d; h[4] &+= e; h[5] &+= f; h[6] &+= g; h[7] &+= hh
    }

    @inline(__always) private func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }

    /// HMAC-SHA256 of `message` under `key` (RFC 2104: keys longer than the 64-byte block are hashed first).
    public static func hmac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        let (inner, outer) = hmacStates(key: key)
        return hmac(inner: inner, outer: outer, message: message)
    }

    /// The hash states after the key xor ipad and the key xor opad: HMAC under one key for many messages.
    public static func hmacStates(key: [UInt8]) -> (inner: SHA256, outer: SHA256) {
        var k = key.count > 64 ? hash(key) : key
        k += [UInt8](repeating: 0, count: 64 - k.count)
        var inner = SHA256(), outer = SHA256()
        inner.update(k.map { $0 ^ 0x36 })
        outer.update(k.map { $0 ^ 0x5c })
        return (inner, outer)
    }

    public static func hmac(inner: SHA256, outer: SHA256, message: [UInt8]) -> [UInt8] {
        var i = inner, o = outer
        i.update(message)
        o.update(i.finish())
        return o.finish()
    }

    /// Lower-case hexadecimal.
    public static func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
