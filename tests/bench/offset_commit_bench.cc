// groupwire-bench-commits: offset commits per second through the coordinator's gRPC service with
// durability on, SQLite (fsync before acknowledging) and PostgreSQL (the server's synchronous
// commit), against the same workload on SQLite with fsync off, measured one after the other in
// one run. PostgreSQL is a throwaway server the benchmark starts on the same disk, unless
// --postgres names one.
//
// Each of --committers clients owns a group and commits --partitions offsets per request in a
// closed loop (the next commit leaves when the last one is acknowledged), as consumers do.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>
#include <boost/program_options.hpp>

#include "groupwire/coordinator/v1/coordinator.grpc.pb.h"
#include "postgres_server.h"
#include "server/coordinator_service.h"
#include "server/partitions.h"
#include "storage/postgres_store.h"
#include "storage/sqlite_store.h"

using namespace groupwire::coordinator;
namespace pb = groupwire::coordinator::v1;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct Workload {
  int committers = 100;
  int partitions = 4;  // partition offsets per commit
  std::chrono::milliseconds duration{5000};
  fs::path dir;
};

constexpr std::size_t kGroupPartitions = 50;

struct Result {
  std::uint64_t commits = 0;
  std::uint64_t errors = 0;
  double seconds = 0;
  std::vector<double> latencies_ms;
  std::uint64_t transactions = 0;
  std::uint64_t batches = 0;

  double commits_per_s() const { return static_cast<double>(commits) / seconds; }
  double percentile(double p) const {
    if (latencies_ms.empty()) return 0;
    auto i = static_cast<std::size_t>(p * static_cast<double>(latencies_ms.size() - 1));
    return latencies_ms[i];
  }
};

// One client in a closed loop: each acknowledged commit sends the next until the deadline.
class Committer {
 public:
  Committer(pb::Coordinator::Stub& stub, int id, int partitions, Clock::time_point deadline,
            std::function<void()> finished)
      : stub_(stub), deadline_(deadline), finished_(std::move(finished)) {
    req_.set_group_id(fmt::format("bench-group-{}", id));
    req_.set_generation_id(-1);
    req_.set_retention_time_ms(-1);
    auto* topic = req_.add_topics();
    topic->set_name("orders");
    for (int p = 0; p < partitions; ++p) topic->add_partitions()->set_partition_index(p);
  }

  void start() { send(); }

  std::uint64_t commits = 0;
  std::uint64_t errors = 0;
  std::vector<double> latencies_ms;

 private:
  void send() {
    ++offset_;
    for (auto& p : *req_.mutable_topics(0)->mutable_partitions()) p.set_committed_offset(offset_);
    ctx_ = std::make_unique<grpc::ClientContext>();
    resp_.Clear();
    sent_ = Clock::now();
    stub_.async()->OffsetCommit(ctx_.get(), &req_, &resp_, [this](grpc::Status status) {
      auto now = Clock::now();
      bool ok =
          status.ok() && resp_.topics_size() == 1 &&
          std::all_of(resp_.topics(0).partitions().begin(), resp_.topics(0).partitions().end(),
                      [](const auto& p) { return p.error_code() == pb::NONE; });
      if (ok) {
        ++commits;
        latencies_ms.push_back(std::chrono::duration<double, std::milli>(now - sent_).count());
      } else {
        ++errors;
      }
      if (now < deadline_) {
        send();
      } else {
        finished_();
      }
    });
  }

  pb::Coordinator::Stub& stub_;
  Clock::time_point deadline_;
  std::function<void()> finished_;
  pb::OffsetCommitRequest req_;
  pb::OffsetCommitResponse resp_;
  std::unique_ptr<grpc::ClientContext> ctx_;
  Clock::time_point sent_;
  std::int64_t offset_ = 0;
};

// A coordinator (partitions, gRPC service) on a free loopback port writing to `store`, driven by
// the workload's committers; returns what they measured.
Result run(const Workload& w, GroupStore& store) {
  store.start();
  GroupConfig config;
  Partitions partitions(config, kGroupPartitions, 2, store);
  partitions.load({});
  SoloClusterView solo("127.0.0.1:0", kGroupPartitions);
  CoordinatorService service(partitions, solo);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  auto stub = pb::Coordinator::NewStub(
      grpc::CreateChannel(fmt::format("127.0.0.1:{}", port), grpc::InsecureChannelCredentials()));

  std::mutex mutex;
  std::condition_variable all_done;
  int running = w.committers;
  auto started = Clock::now();
  auto deadline = started + w.duration;
  std::vector<std::unique_ptr<Committer>> committers;
  for (int i = 0; i < w.committers; ++i) {
    committers.push_back(std::make_unique<Committer>(*stub, i, w.partitions, deadline, [&] {
      std::lock_guard lock(mutex);
      if (--running == 0) all_done.notify_one();
    }));
  }
  for (auto& c : committers) c->start();
  {
    std::unique_lock lock(mutex);
    all_done.wait(lock, [&] { return running == 0; });
  }
  Result r;
  r.seconds = std::chrono::duration<double>(Clock::now() - started).count();
  for (auto& c : committers) {
    r.commits += c->commits;
    r.errors += c->errors;
    r.latencies_ms.insert(r.latencies_ms.end(), c->latencies_ms.begin(), c->latencies_ms.end());
  }
  std::sort(r.latencies_ms.begin(), r.latencies_ms.end());
  server->Shutdown();
  store.stop();
  partitions.stop();
  r.transactions = store.transactions();
  r.batches = store.batches();
  return r;
}

Result run_sqlite(const Workload& w, bool fsync) {
  fs::path dir = w.dir / (fsync ? "durable" : "no-fsync");
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string error;
  auto store = SqliteStore::open(
      {.path = (dir / "groupwire.db").string(), .fsync = fsync, .max_pages = std::nullopt}, error);
  if (!store) throw std::runtime_error(error);
  Result r = run(w, *store);
  store.reset();
  fs::remove_all(dir);
  return r;
}

Result run_postgres(const Workload& w, const std::string& conninfo) {
  std::string error;
  auto store = PostgresStore::open(
      {.conninfo = conninfo, .group_partitions = kGroupPartitions, .synchronous_commit = true},
      error);
  if (!store) throw std::runtime_error(error);
  return run(w, *store);
}

long peak_rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

void print(const char* name, const Workload& w, const Result& r) {
  std::printf(
      "%-10s %10.0f %14.0f %9.2f %9.2f %9.2f %8.1f %8llu\n", name, r.commits_per_s(),
      r.commits_per_s() * w.partitions, r.percentile(0.5), r.percentile(0.99),
      r.latencies_ms.empty() ? 0.0 : r.latencies_ms.back(),
      r.transactions ? static_cast<double>(r.batches) / static_cast<double>(r.transactions) : 0.0,
      static_cast<unsigned long long>(r.errors));
}

}  // namespace

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  Workload w;
  std::string dir;
  std::string postgres;
  long long seconds_ms = 0;
  po::options_description opts("groupwire-bench-commits options");
  opts.add_options()("help", "print this help and exit")(
      "committers", po::value<int>(&w.committers)->default_value(100), "concurrent committers")(
      "partitions", po::value<int>(&w.partitions)->default_value(4),
      "partition offsets per commit")(
      "duration-ms", po::value<long long>(&seconds_ms)->default_value(5000),
      "how long each mode runs")("dir", po::value<std::string>(&dir)->default_value("."),
                                 "where the databases go: the disk whose fsync is measured")(
      "postgres", po::value<std::string>(&postgres),
      "CONNINFO of an empty PostgreSQL database to measure (default: a throwaway server in --dir)");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, opts), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "groupwire-bench-commits: %s\n", e.what());
    return 2;
  }
  if (vm.count("help")) {
    std::cout << opts;
    return 0;
  }
  if (w.committers < 1 || w.partitions < 1 || seconds_ms < 1) {
    std::fprintf(stderr,
                 "groupwire-bench-commits: --committers, --partitions and --duration-ms "
                 "must be positive\n");
    return 2;
  }
  w.duration = std::chrono::milliseconds(seconds_ms);
  w.dir = fs::absolute(dir) / "groupwire-bench-commits-data";
  spdlog::set_level(spdlog::level::warn);

  std::printf(
      "offset commits: %d committers x %d partitions per commit, %.1f s per mode, "
      "databases in %s\n",
      w.committers, w.partitions, static_cast<double>(seconds_ms) / 1000, w.dir.c_str());
  std::printf("%-10s %10s %14s %9s %9s %9s %8s %8s\n", "mode", "commits/s", "partition-offs/s",
              "p50 ms", "p99 ms", "max ms", "batch/tx", "errors");
  Result off = run_sqlite(w, false);
  print("fsync off", w, off);
  Result durable = run_sqlite(w, true);
  print("durable", w, durable);
  std::unique_ptr<groupwire::testing::PostgresServer> server;
  if (postgres.empty()) {
    std::string error;
    fs::create_directories(w.dir);
    server = groupwire::testing::PostgresServer::start(error, w.dir.string());
    if (!server || !server->create_database("bench", error)) {
      std::fprintf(stderr, "groupwire-bench-commits: no PostgreSQL server: %s\n", error.c_str());
      return 1;
    }
    postgres = server->conninfo("bench");
  }
  Result pg = run_postgres(w, postgres);
  print("postgres", w, pg);
  server.reset();
  fs::remove_all(w.dir);
  std::printf("durable / fsync off throughput: %.2f (target >= 0.50)\n",
              durable.commits_per_s() / off.commits_per_s());
  std::printf("postgres / durable SQLite throughput: %.2f (target >= 0.50)\n",
              pg.commits_per_s() / durable.commits_per_s());
  std::printf("peak RSS: %ld KiB\n", peak_rss_kib());
  bool ok = durable.errors + off.errors + pg.errors == 0 && durable.commits > 0 && pg.commits > 0;
  return ok ? 0 : 1;
}
