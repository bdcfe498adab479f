import Testing
import Foundation
import TLSWire
@testable import Reports

/// `JSONWriter.field(_:codePoints:)` reads an array of code points in place as their raw values,
/// which holds only while every `JSONCodePoint` is laid out as its `UInt16`.
struct JSONCodePointListTests {
    static let values: [UInt16] = [0x0000, 0x0001, 0x0a0a, 0x1301, 0xc02f, 0xfe0d, 0xffff]

    /// The raw values read through the array's memory, as the writer reads them.
    static func inPlace<C: JSONCodePoint>(_ list: [C]) -> [UInt16] {
        list.withUnsafeBufferPointer { $0.withMemoryRebound(to: UInt16.self) { Array($0) } }
    }

    static func check<C: JSONCodePoint>(_ type: C.Type) {
        #expect(MemoryLayout<C>.size == 2 && MemoryLayout<C>.stride == 2, "\(C.self)")
        let list = Self.values.map { C(rawValue: $0)! }
        #expect(Self.inPlace(list) == list.map(\.rawValue), "\(C.self)")
        #expect(Self.inPlace(list) == Self.values, "\(C.self)")
    }

    @Test func everyCodePointTypeIsLaidOutAsItsRawValue() {
        Self.check(ProtocolVersion.self)
        Self.check(CipherSuite.self)
        Self.check(ExtensionType.self)
        Self.check(NamedGroup.self)
        Self.check(SignatureScheme.self)
    }

    @Test func aListWrittenFromTheArrayIsItsNamesInOrder() {
        let list = Self.values.map { SignatureScheme(rawValue: $0) }
        var w = JSONWriter()
        w.beginObject()
        w.field("signature_algorithms", codePoints: list)
        w.endObject()
        let names = list.map { "\"\($0.description)\"" }.joined(separator: ",")
        #expect(String(decoding: w.bytes, as: UTF8.self) == "{\"signature_algorithms\":[\(names)]}")
    }
}

/// The list memo compares a remembered list with the one being written in place, a word at a
/// time: equal exactly when every byte is, whichever byte differs.
struct CodePointListComparisonTests {
    @Test func inPlaceComparisonSeesADifferenceAtEveryByteOfEveryListLength() {
        for n in stride(from: 2, through: 80, by: 2) {
            let a = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            a.withUnsafeBytes { pa in
                #expect(CodePointListMemo.Tables.equal(pa.baseAddress!, pa.baseAddress!, n), "same, \(n) bytes")
                let copy = a.map { $0 }   // the same bytes in other storage
                copy.withUnsafeBytes { pc in
                    #expect(CodePointListMemo.Tables.equal(pa.baseAddress!, pc.baseAddress!, n), "equal copy, \(n) bytes")
                }
                for offset in 0..<n {
                    var b = a
                    b[offset] ^= 0x40
                    b.withUnsafeBytes { pb in
                        #expect(!CodePointListMemo.Tables.equal(pa.baseAddress!, pb.baseAddress!, n), "byte \(offset) of \(n)")
                    }
                }
            }
        }
    }
}
