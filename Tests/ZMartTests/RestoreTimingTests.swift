import Streams
import Testing
import ZMart

@Suite("Restoration timing of the benchmark")
struct RestoreTimingTests {
    func progress(_ partition: Int32, _ store: String, restored: Int = 0) -> RestoreProgress {
        RestoreProgress(
            task: TaskId(subtopology: 0, partition: partition), store: store,
            changelog: TopicPartition(topic: TopicName("app-\(store)-changelog"), partition: partition), restored: restored,
            total: Int64(restored))
    }

    @Test func onlyTheTimeSomeStoreIsRestoringCountsAndOverlapsCountOnce() {
        let timing = RestoreTiming()
        let zero = ContinuousClock.now
        func at(_ milliseconds: Int) -> ContinuousClock.Instant { zero + .milliseconds(milliseconds) }
        // Two stores restored one after the other, with 100 ms between them (opening the
        // next task's stores), then two that overlap.
        timing.started(progress(0, "a"), at: at(0))
        timing.ended(progress(0, "a", restored: 10), at: at(50))
        timing.started(progress(1, "a"), at: at(150))
        timing.started(progress(1, "b"), at: at(170))
        timing.ended(progress(1, "a", restored: 20), at: at(200))
        timing.ended(progress(1, "b", restored: 30), at: at(260))
        let (records, seconds) = timing.result
        #expect(records == 60)
        // 50 ms, then 150...260: 160 ms in all.
        #expect(abs(seconds - 0.160) < 1e-9)
    }

    @Test func noRestorationTakesNoTime() {
        let (records, seconds) = RestoreTiming().result
        #expect(records == 0 && seconds == 0)
    }
}
