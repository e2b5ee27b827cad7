#include "storage/postgres_wire.h"

#include <array>
#include <map>
#include <string_view>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace groupwire::coordinator::pg {

namespace {

// The server's notices (a table that already exists, say) go to our log, not to stderr.
void log_notice(void*, const char* message) {
  spdlog::debug("postgres: {}", trimmed(message));
}

}  // namespace

std::string trimmed(const char* message) {
  std::string_view m = message ? message : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.remove_suffix(1);
  return std::string(m);
}

std::string sqlstate(const PGresult* r) {
  const char* s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  return s ? s : "";
}

bool transient(const std::string& state) {
  static constexpr std::array<std::string_view, 5> kClasses = {"08", "40", "53", "57", "58"};
  if (state.empty() || state == "25006") return true;  // empty: the connection itself failed
  for (auto c : kClasses) {
    if (state.starts_with(c)) return true;
  }
  return false;
}

PGconn* connect(const std::string& conninfo) {
  const char* keys[] = {
      "connect_timeout",  "tcp_user_timeout", "keepalives_idle", "keepalives_interval",
      "keepalives_count", "application_name", "dbname",          nullptr};
  const char* values[] = {"10",   "10000", "5", "2", "3", "groupwire-coordinator", conninfo.c_str(),
                          nullptr};
  PGconn* pg = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (pg) PQsetNoticeProcessor(pg, log_notice, nullptr);
  return pg;
}

Result exec(PGconn* pg, const char* sql, bool binary) {
  return Result(PQexecParams(pg, sql, 0, nullptr, nullptr, nullptr, nullptr, binary ? 1 : 0));
}

bool ok(const Result& r) {
  auto s = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

std::string error_of(PGconn* pg, const Result& r) {
  return trimmed(r ? PQresultErrorMessage(r.get()) : PQerrorMessage(pg));
}

// Where pg points, without the password: host:port/dbname.
std::string describe(PGconn* pg) {
  const char* host = PQhost(pg);
  const char* port = PQport(pg);
  const char* db = PQdb(pg);
  return fmt::format("{}:{}/{}", host ? host : "?", port ? port : "?", db ? db : "?");
}

std::optional<StoredGroups> read_groups(PGconn* pg, std::optional<std::int32_t> partition,
                                        std::string& error) {
  // Members have no partition column: they follow their group's.
  std::string where = partition ? fmt::format(" WHERE group_partition = {}", *partition) : "";
  std::string member_where =
      partition ? fmt::format(" WHERE group_id IN (SELECT group_id FROM groupwire_groups{})", where)
                : "";
  Result groups = exec(pg,
                       ("SELECT group_id, generation_id, protocol_type, protocol_name, leader_id, "
                        "current_state_timestamp_ms FROM groupwire_groups" +
                        where + " ORDER BY group_id")
                           .c_str(),
                       /*binary=*/true);
  Result members = exec(pg,
                        ("SELECT group_id, member_id, group_instance_id, client_id, client_host, "
                         "session_timeout_ms, rebalance_timeout_ms, metadata, assignment FROM "
                         "groupwire_members" +
                         member_where + " ORDER BY group_id, member_id")
                            .c_str(),
                        /*binary=*/true);
  Result offsets = exec(pg,
                        ("SELECT group_id, topic, partition, committed_offset, leader_epoch, "
                         "metadata, commit_timestamp_ms, expire_timestamp_ms FROM "
                         "groupwire_offsets" +
                         where + " ORDER BY group_id, topic, partition")
                            .c_str(),
                        /*binary=*/true);
  Result records = exec(pg,
                        ("SELECT group_id, kind, key, value FROM groupwire_consumer_group_records" +
                         where + " ORDER BY group_id, kind, key")
                            .c_str(),
                        /*binary=*/true);
  for (const Result* r : {&groups, &members, &offsets, &records}) {
    if (!ok(*r)) {
      error = error_of(pg, *r);
      return std::nullopt;
    }
  }
  StoredGroups out;
  std::map<std::string, std::size_t> index;
  each_row(groups.get(), [&](const Row& r) {
    index[r.bytes(0)] = out.groups.size();
    out.groups.push_back(GroupMetadataRecord{
        .group_id = r.bytes(0),
        .generation_id = r.int4(1),
        .protocol_type = r.optional_bytes(2),
        .protocol_name = r.optional_bytes(3),
        .leader_id = r.optional_bytes(4),
        .current_state_timestamp_ms = r.int8(5),
        .members = {},
    });
  });
  each_row(members.get(), [&](const Row& r) {
    auto it = index.find(r.bytes(0));
    if (it == index.end()) return;
    out.groups[it->second].members.push_back(StoredMember{
        .member_id = r.bytes(1),
        .group_instance_id = r.optional_bytes(2),
        .client_id = r.bytes(3),
        .client_host = r.bytes(4),
        .session_timeout_ms = r.int4(5),
        .rebalance_timeout_ms = r.int4(6),
        .metadata = r.bytes(7),
        .assignment = r.bytes(8),
    });
  });
  each_row(offsets.get(), [&](const Row& r) {
    out.offsets.push_back(OffsetCommitRecord{
        .key = {r.bytes(0), r.bytes(1), r.int4(2)},
        .committed_offset = r.int8(3),
        .leader_epoch = r.int4(4),
        .metadata = r.bytes(5),
        .commit_timestamp_ms = r.int8(6),
        .expire_timestamp_ms = r.optional_int8(7),
    });
  });
  each_row(records.get(), [&](const Row& r) {
    out.consumer_group_records.push_back(ConsumerGroupRecord{
        .group_id = r.bytes(0),
        .kind = static_cast<ConsumerGroupRecordKind>(r.int4(1)),
        .key = r.bytes(2),
        .value = r.bytes(3),
    });
  });
  return out;
}

}  // namespace groupwire::coordinator::pg
