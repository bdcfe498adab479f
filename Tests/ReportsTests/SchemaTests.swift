import Testing
import Foundation
@testable import Diagnosis
import Reports

/// Real output of several captures must validate against docs/schema/tlsdiag.schema.json
/// (JSON Schema draft 2020-12), with python3 -m jsonschema's validator when it is installed
/// (CI installs it: `pip install jsonschema`), otherwise with a structural check in Swift.
struct SchemaTests {
    static let schemaPath = Fixtures.repo.appendingPathComponent("docs/schema/tlsdiag.schema.json").path
    static let captures = ["all_failures.pcapng", "tls12_ok.pcapng", "tls13_client_abort.pcap", "tls13_ok.pcap", "hrr_tls13_ok.pcap",
                           "mtls_device_ok.pcap", "no_client_cert.pcap", "plaintext_sip_to_tls.pcap", "tls_to_plaintext_port.pcap",
                           "no_tls.pcap", "tcp_refused.pcap", "tcp_no_answer.pcap", "gap_in_server_flight.pcap", "midstream.pcap",
                           "one_sided_client.pcap", "snaplen_truncated.pcap", "sslv2_hello.pcap", "ipv6_ok.pcap",
                           "vlan_mtls_device_ok.pcap", "hostile_names.pcap", "weak_cipher.pcap"].filter(Fixtures.exists)

    /// Validates documents (one JSON text each) against the schema, or against `#/$defs/connection` when
    /// `connection` is true. Returns the error messages, or nil when python3/jsonschema is missing.
    static func validate(_ documents: [String], connection: Bool = false) throws -> [String]? {
        let program = """
            import json, sys
            from jsonschema import Draft202012Validator
            schema = json.load(open(sys.argv[1]))
            Draft202012Validator.check_schema(schema)
            if sys.argv[2] == "connection":
                schema = {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": "#/$defs/connection"}
            v = Draft202012Validator(schema)
            for n, line in enumerate(sys.stdin.read().split("\\u0000")):
                if not line.strip(): continue
                for e in v.iter_errors(json.loads(line)):
                    print("doc %d: %s at %s" % (n, e.message[:300], "/".join(str(p) for p in e.absolute_path)))
            """
        guard let out = try Python.run(program, stdin: documents.joined(separator: "\u{0}"),
                                       args: [schemaPath, connection ? "connection" : "document"]) else { return nil }
        return out.split(separator: "\n").map(String.init)
    }

    @Test func jsonOutputOfRealCapturesValidatesAgainstTheSchema() throws {
        #expect(Self.captures.count >= 10)
        var docs: [String] = []
        for name in Self.captures {
            docs.append(Render.capture(name, "json"))
            docs.append(Render.capture(name, "json", redact: true))
        }
        guard let errors = try Self.validate(docs) else {
            for d in docs { try StructuralCheck.document(d) }
            return
        }
        #expect(errors.isEmpty, "\(errors.prefix(20).joined(separator: "\n"))")
    }

    @Test func jsonLinesObjectsValidateAsConnections() throws {
        var lines: [String] = []
        for name in Self.captures {
            lines += Render.capture(name, "jsonl").split(separator: "\n").map(String.init)
        }
        #expect(lines.count >= Self.captures.count)
        guard let errors = try Self.validate(lines, connection: true) else { return }
        #expect(errors.isEmpty, "\(errors.prefix(20).joined(separator: "\n"))")
    }

    @Test func theValidatorRejectsADocumentThatBreaksTheContract() throws {
        guard let name = Self.captures.first else { return }
        let good = Render.capture(name, "json")
        var doc = try #require(try JSONSerialization.jsonObject(with: Data(good.utf8)) as? [String: Any])
        var conns = try #require(doc["connections"] as? [[String: Any]])
        conns[0].removeValue(forKey: "outcome")
        conns[0]["unexpected_field"] = 1
        doc["connections"] = conns
        let bad = String(decoding: try JSONSerialization.data(withJSONObject: doc), as: UTF8.self)
        guard let errors = try Self.validate([bad]) else {
            #expect(throws: (any Error).self) { try StructuralCheck.document(bad) }
            return
        }
        #expect(errors.contains { $0.contains("outcome") })
        #expect(errors.contains { $0.contains("unexpected_field") })
    }

    @Test func schemaVersionIsOne() throws {
        let doc = try JSONSerialization.jsonObject(with: Data(Render.run("json", []).utf8)) as? [String: Any]
        #expect(doc?["schema_version"] as? String == "1")
        let schema = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.schemaPath))) as? [String: Any]
        let version = (schema?["properties"] as? [String: Any])?["schema_version"] as? [String: Any]
        #expect(version?["const"] as? String == "1")
    }
}

/// Without python3: every object's keys must be declared by the schema and its required keys present,
/// following `$ref`s (no types or formats checked: the Python validator does that in CI).
enum StructuralCheck {
    struct Mismatch: Error, CustomStringConvertible { var description: String }

    static func document(_ text: String) throws {
        guard let schema = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: SchemaTests.schemaPath))) as? [String: Any] else {
            throw Mismatch(description: "schema is not an object")
        }
        let doc = try JSONSerialization.jsonObject(with: Data(text.utf8))
        try check(doc, schema, root: schema, path: "")
    }

    static func resolve(_ s: [String: Any], _ root: [String: Any]) -> [String: Any] {
        if let ref = s["$ref"] as? String, ref.hasPrefix("#/$defs/"),
           let def = (root["$defs"] as? [String: Any])?[String(ref.dropFirst(8))] as? [String: Any] { return def }
        return s
    }

    static func check(_ value: Any, _ schemaIn: [String: Any], root: [String: Any], path: String) throws {
        let schema = resolve(schemaIn, root)
        if let any = schema["anyOf"] as? [[String: Any]], value is NSNull { _ = any; return }
        if let any = schema["anyOf"] as? [[String: Any]], let first = any.first { try check(value, first, root: root, path: path); return }
        if let obj = value as? [String: Any], let props = schema["properties"] as? [String: Any] {
            for k in obj.keys where props[k] == nil { throw Mismatch(description: "\(path)/\(k): not in the schema") }
            for k in (schema["required"] as? [String]) ?? [] where obj[k] == nil { throw Mismatch(description: "\(path)/\(k): required") }
            for (k, v) in obj { if let sub = props[k] as? [String: Any] { try check(v, sub, root: root, path: path + "/" + k) } }
        } else if let list = value as? [Any], let items = schema["items"] as? [String: Any] {
            for (i, v) in list.enumerated() { try check(v, items, root: root, path: path + "/\(i)") }
        }
    }
}
