import Testing
@testable import StreamsStatus
