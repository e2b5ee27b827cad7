// Fetch without an upstream: every partition of the topic catalog exists and stays empty. Like a
// Kafka broker with nothing to return, a Fetch is parked for its max_wait_ms (capped) and then
// answered with empty records, so consumers poll at their configured pace instead of spinning.
#pragma once

#include <chrono>
#include <utility>  // before asio: Boost 1.74 headers use std::exchange unincluded

#include <boost/asio/any_io_executor.hpp>

#include "handlers/topic_catalog.h"
#include "kafka/error_code.h"
#include "server/dispatcher.h"

namespace groupwire::gateway {

inline constexpr std::chrono::milliseconds kMaxFetchWait{1000};

// Kafka's answer for a partition that cannot be fetched: the error, no offsets, no records.
kafka::FetchResponse::Partition fetch_error(std::int32_t partition, kafka::ErrorCode error);

// A parked Fetch waits on its connection's thread (Session::executor), or on `executor` when it
// came without a connection; `executor` must outlive the dispatcher's use. A parked Fetch whose
// executor stops (shutdown) is dropped unanswered with its connection.
void add_fetch_handler(Dispatcher& dispatcher, SharedTopicCatalog catalog,
                       boost::asio::any_io_executor executor,
                       std::chrono::milliseconds max_wait_cap = kMaxFetchWait);

}  // namespace groupwire::gateway
