import Streams

/// A change of a consumer's assignment, as its rebalance callback reports it.
public enum RebalanceEvent: Sendable, Hashable {
    /// These partitions were added; the consumer fetches them from now on.
    case assigned([TopicPartition])
    /// These partitions are about to be given up: the callback runs before they are, so
    /// the caller can flush what it produced for them and commit their offsets.
    case revoked([TopicPartition])
    /// These partitions were lost (the session expired): another member may already own
    /// them, so their offsets must not be committed.
    case lost([TopicPartition])
}
