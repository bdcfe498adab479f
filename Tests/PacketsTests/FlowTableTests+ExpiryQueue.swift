import Testing
@testable import Packets

/// The tracker's expiry queue hands values out in due order, and moving or removing one keeps it so:
/// checked against a plain list sorted on every step.
struct ExpiryQueueTests {
    final class Item: ExpiryQueueMember {
        let n: Int
        var expiryDue = 0.0
        var expiryIndex = -1
        init(_ n: Int) { self.n = n }
    }

    @Test func valuesComeOutInDueOrderThroughMovesAndRemovals() {
        var q = ExpiryQueue<Item>()
        var reference: [Int: Double] = [:]   // item number -> due
        let items = (0..<300).map(Item.init)
        var rng = FlowTableTests.SplitMix(seed: 7)
        for _ in 0..<20_000 {
            let item = items[Int(rng.next() % 300)]
            switch rng.next() % 4 {
            case 0, 1:
                // Schedule or move, earlier or later; whole seconds make ties common.
                let due = Double(rng.next() % 500)
                q.schedule(item, due: due)
                reference[item.n] = due
            case 2:
                q.remove(item)
                reference[item.n] = nil
                #expect(item.expiryIndex == -1)
            default:
                if let first = q.first {
                    let smallest = reference.values.min()
                    #expect(first.expiryDue == smallest, "the first value is one due first")
                    #expect(reference[first.n] == first.expiryDue)
                    #expect(q.removeFirst() === first)
                    reference[first.n] = nil
                } else {
                    #expect(reference.isEmpty)
                }
            }
            #expect(q.count == reference.count)
        }
        var last = -Double.infinity
        while let first = q.first {
            #expect(first.expiryDue >= last, "taken out in due order")
            last = first.expiryDue
            #expect(reference.removeValue(forKey: q.removeFirst().n) == last)
        }
        #expect(reference.isEmpty)
    }

    @Test func removeAllEmptiesTheQueueAndTheValuesCanBeQueuedAgain() {
        var q = ExpiryQueue<Item>()
        let a = Item(1), b = Item(2)
        q.schedule(a, due: 5)
        q.schedule(b, due: 3)
        q.removeAll()
        #expect(q.count == 0 && q.first == nil && a.expiryIndex == -1 && b.expiryIndex == -1)
        q.remove(a)   // not in the queue: nothing happens
        q.schedule(a, due: 1)
        #expect(q.count == 1 && q.first === a)
    }
}
