/// The names of the metrics the runtimes publish through swift-metrics.
///
/// They are Kafka Streams' metric groups and names as the Prometheus JMX exporter writes
/// them, so dashboards and alerts written for Kafka Streams read them unchanged: group
/// `stream-task-metrics` and name `process-rate` become
/// `kafka_streams_stream_task_metrics_process_rate`. Every metric has the dimension
/// `application_id`; thread metrics add `thread_id`, task metrics `task_id`, processor-node
/// metrics `processor_node_id`, topic metrics `topic`. Latencies are in milliseconds and
/// sampled (one record in 64), rates are per second over the last refresh window (about a
/// second). Lag is published under the consumer's name with `client_id`, `topic` and
/// `partition`. No metric has a record's key or value as a dimension.
public enum StreamsMetricNames {
    /// `stream-thread-metrics`: one stream thread (dimension `thread_id`).
    public enum Thread {
        /// Records processed.
        public static let processTotal = "kafka_streams_stream_thread_metrics_process_total"
        /// Records processed per second.
        public static let processRate = "kafka_streams_stream_thread_metrics_process_rate"
        /// Mean time to process a record, in milliseconds.
        public static let processLatencyAvg = "kafka_streams_stream_thread_metrics_process_latency_avg"
        /// Longest time to process a record in the window, in milliseconds.
        public static let processLatencyMax = "kafka_streams_stream_thread_metrics_process_latency_max"
        /// Commits made.
        public static let commitTotal = "kafka_streams_stream_thread_metrics_commit_total"
        /// Commits per second.
        public static let commitRate = "kafka_streams_stream_thread_metrics_commit_rate"
        /// Mean commit time (flush, acknowledgements and offsets), in milliseconds.
        public static let commitLatencyAvg = "kafka_streams_stream_thread_metrics_commit_latency_avg"
        /// Longest commit time in the window, in milliseconds.
        public static let commitLatencyMax = "kafka_streams_stream_thread_metrics_commit_latency_max"
        /// Polls of the consumer.
        public static let pollTotal = "kafka_streams_stream_thread_metrics_poll_total"
        /// Polls per second.
        public static let pollRate = "kafka_streams_stream_thread_metrics_poll_rate"
        /// Tasks made.
        public static let taskCreatedTotal = "kafka_streams_stream_thread_metrics_task_created_total"
        /// Tasks closed.
        public static let taskClosedTotal = "kafka_streams_stream_thread_metrics_task_closed_total"
    }

    /// `stream-task-metrics`: one task (dimensions `thread_id`, `task_id`).
    public enum Task {
        /// Records processed.
        public static let processTotal = "kafka_streams_stream_task_metrics_process_total"
        /// Records processed per second.
        public static let processRate = "kafka_streams_stream_task_metrics_process_rate"
        /// Mean time to process a record, in milliseconds.
        public static let processLatencyAvg = "kafka_streams_stream_task_metrics_process_latency_avg"
        /// Longest time to process a record in the window, in milliseconds.
        public static let processLatencyMax = "kafka_streams_stream_task_metrics_process_latency_max"
        /// Records dropped: skipped by the deserialization handler (dead-lettered ones
        /// included) or late.
        public static let droppedRecordsTotal = "kafka_streams_stream_task_metrics_dropped_records_total"
        /// Records sent to a dead-letter topic.
        public static let deadLetterRecordsTotal = "kafka_streams_stream_task_metrics_dead_letter_records_total"
        /// Records read back from changelogs to rebuild the task's state stores.
        public static let restoreTotal = "kafka_streams_stream_task_metrics_restore_total"
    }

    /// `stream-processor-node-metrics`: one node of one task (adds `processor_node_id`).
    public enum ProcessorNode {
        /// Records the node received.
        public static let processTotal = "kafka_streams_stream_processor_node_metrics_process_total"
        /// Records the node received per second.
        public static let processRate = "kafka_streams_stream_processor_node_metrics_process_rate"
        /// Mean time in the node and the nodes it forwarded to, in milliseconds.
        public static let processLatencyAvg = "kafka_streams_stream_processor_node_metrics_process_latency_avg"
        /// Longest such time in the window, in milliseconds.
        public static let processLatencyMax = "kafka_streams_stream_processor_node_metrics_process_latency_max"
    }

    /// `stream-topic-metrics`: records in and out per topic (adds `topic`; produced ones add
    /// the sink's `processor_node_id`).
    public enum Topic {
        /// Records read from the topic.
        public static let recordsConsumedTotal = "kafka_streams_stream_topic_metrics_records_consumed_total"
        /// Key and value bytes read from the topic.
        public static let bytesConsumedTotal = "kafka_streams_stream_topic_metrics_bytes_consumed_total"
        /// Records written to the topic.
        public static let recordsProducedTotal = "kafka_streams_stream_topic_metrics_records_produced_total"
        /// Key and value bytes written to the topic.
        public static let bytesProducedTotal = "kafka_streams_stream_topic_metrics_bytes_produced_total"
    }

    /// The consumer's fetch metrics (dimensions `client_id`, and `topic`, `partition`).
    public enum Consumer {
        /// Records not yet processed in a partition: its end minus the position.
        public static let recordsLag = "kafka_consumer_consumer_fetch_manager_metrics_records_lag"
        /// The largest lag over the consumer's partitions.
        public static let recordsLagMax = "kafka_consumer_consumer_fetch_manager_metrics_records_lag_max"
    }

    /// The producer's metrics (dimension `client_id`).
    public enum Producer {
        /// Records the brokers acknowledged.
        public static let recordSendTotal = "kafka_producer_producer_metrics_record_send_total"
        /// Records that could not be written.
        public static let recordErrorTotal = "kafka_producer_producer_metrics_record_error_total"
    }
}
