// librdkafka's client API and its built-in mock cluster. The mock header needs the client
// header first, so both come through this one file.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
