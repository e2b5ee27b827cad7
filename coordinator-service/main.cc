// groupwire-coordinator: the gRPC service that makes every consumer-group decision.
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <system_error>
#include <thread>

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "admin/admin_service.h"
#include "admin/event_hub.h"
#include "cluster/cluster_metrics.h"
#include "cluster/lease_cluster_view.h"
#include "cluster/lease_manager.h"
#include "console/console.h"
#include "http/http_server.h"
#include "lag/lag_sampler.h"
#include "logging.h"
#include "metrics/coordinator_metrics.h"
#include "secrets/token_source.h"
#include "server/config.h"
#include "server/coordinator_service.h"
#include "server/grpc_auth.h"
#include "server/grpc_server.h"
#include "server/partitions.h"
#include "storage/lease_table.h"
#include "storage/postgres_store.h"
#include "storage/sqlite_store.h"

using namespace groupwire;
using namespace groupwire::coordinator;

namespace {

// glibc gives each thread that allocates its own arena, up to 8 per core, and an arena keeps
// what its threads freed. gRPC's threads each kept their share of the call buffers freed after
// groups formed: one arena per core cut the RSS per member by a quarter (README, Benchmarks) at
// no measurable CPU cost per heartbeat. MALLOC_ARENA_MAX, when set, still decides.
void limit_malloc_arenas() {
  if (std::getenv("MALLOC_ARENA_MAX") != nullptr) return;
  mallopt(M_ARENA_MAX, static_cast<int>(std::max(2u, std::thread::hardware_concurrency())));
}

// The configured store: PostgreSQL when --postgres is given, else SQLite in --data-dir.
std::unique_ptr<GroupStore> open_store(const CoordinatorConfig& config, StorageMetrics& metrics,
                                       std::string& error) {
  GroupStore::OnWrite on_write = [&metrics](double seconds, std::size_t batches) {
    metrics.write_seconds.observe(seconds);
    metrics.batch_size.observe(static_cast<double>(batches));
  };
  if (config.postgres) {
    return PostgresStore::open({.conninfo = *config.postgres,
                                .group_partitions = config.group_partitions,
                                .synchronous_commit = config.fsync,
                                .on_write = std::move(on_write),
                                .on_fenced =
                                    [&metrics](std::size_t batches) {
                                      metrics.fenced_batches.inc(static_cast<double>(batches));
                                    }},
                               error);
  }
  std::error_code dir_error;
  std::filesystem::create_directories(config.data_dir, dir_error);
  if (dir_error) {
    error = fmt::format("--data-dir {}: cannot create: {}", config.data_dir, dir_error.message());
    return nullptr;
  }
  return SqliteStore::open(
      {.path = (std::filesystem::path(config.data_dir) / "groupwire.db").string(),
       .fsync = config.fsync,
       .max_pages = std::nullopt,
       .on_write = std::move(on_write)},
      error);
}

// The admin token, from its file (re-read when it changes) or the environment; null without one.
std::shared_ptr<const TokenSource> open_admin_token(const CoordinatorConfig& config,
                                                    std::string& error) {
  if (config.admin_token) return std::make_shared<const TokenSource>(*config.admin_token);
  if (!config.admin_token_file) return nullptr;
  // Kubernetes updates a mounted Secret within about a minute; a few seconds more is nothing.
  return TokenSource::from_file(*config.admin_token_file, std::chrono::seconds(5), error);
}

// New calls are refused at once; calls in flight get --shutdown-timeout-ms to finish (gateway
// streams end as soon as theirs are answered). Those still parked then are cancelled; the
// partitions stop only after the server.
int shut_down(const CoordinatorConfig& config, coordinator::admin::EventHub& watchers,
              CoordinatorService& service, grpc::Server& server, GroupStore& store,
              Partitions& partitions) {
  watchers.close_all();
  service.drain();
  server.Shutdown(std::chrono::system_clock::now() + config.shutdown_timeout);
  store.stop();  // every accepted write reaches the disk before the partitions go
  partitions.stop();
  spdlog::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  limit_malloc_arenas();  // before any thread allocates
  ParsedArgs args = parse_coordinator_args(argc, argv);
  if (!args.config) {
    std::fputs(args.message.c_str(), args.exit_code == 0 ? stdout : stderr);
    return args.exit_code;
  }
  const CoordinatorConfig& config = *args.config;
  init_logging("groupwire-coordinator", config.log_level, config.log_format);

  // Before the store and the partitions: they report to these until they stop.
  metrics::Registry registry;
  StorageMetrics storage_metrics = register_storage_metrics(registry);

  // A database that cannot be trusted stops the coordinator before it serves anything: running
  // on without it would silently lose what clients were told is committed.
  std::string error;
  auto store = open_store(config, storage_metrics, error);
  if (!store) {
    spdlog::critical("{}", error);
    return 1;
  }
  if (!config.fsync) spdlog::warn("--fsync false: acknowledged writes can be lost on a crash");

  coordinator::admin::EventHub watchers;
  // In a cluster no partition is this coordinator's until it takes its lease.
  Partitions partitions(config.group, config.group_partitions, config.threads, *store,
                        config.postgres ? PartitionState::kNotOwned : PartitionState::kLoading);
  CoordinatorMetrics coordinator_metrics(registry, partitions);
  GroupEventSinks event_sinks({&coordinator_metrics, &watchers});
  partitions.set_event_sink(&event_sinks);
  // Who serves which partition, for gateways and operators: the database's leases, or this
  // coordinator alone.
  SoloClusterView solo(config.advertise.value_or(config.listen).to_string(),
                       config.group_partitions);
  std::unique_ptr<LeaseClusterView> lease_view;
  if (config.postgres) {
    auto reader = LeaseTable::open(*config.postgres, "", config.lease, error);
    if (!reader) {
      spdlog::critical("{}", error);
      return 1;
    }
    lease_view =
        std::make_unique<LeaseClusterView>(config.advertise.value_or(config.listen).to_string(),
                                           std::move(reader), config.group_partitions);
  }
  ClusterView& cluster = lease_view ? static_cast<ClusterView&>(*lease_view) : solo;
  auto admin_token = open_admin_token(config, error);
  if ((config.admin_token_file || config.admin_token) && !admin_token) {
    spdlog::critical("--admin-token-file: {}", error);
    return 1;
  }
  CallPolicy policy{.client_ca = config.grpc_tls && config.grpc_tls->client_ca_pem,
                    .admin_token = admin_token};
  CoordinatorService service(partitions, cluster);
  coordinator::admin::AdminService admin_service(partitions, watchers, cluster,
                                                 /*watch_queue=*/4096,
                                                 peer_credentials(config.grpc_tls, admin_token));

  std::unique_ptr<lag::LagSampler> lag_sampler;
  if (config.lag_bootstrap) {
    auto reader = lag::WatermarkReader::open(*config.lag_bootstrap, "groupwire-coordinator", error);
    if (!reader) {
      spdlog::critical("--lag-bootstrap: {}", error);
      return 1;
    }
    lag_sampler = std::make_unique<lag::LagSampler>(partitions, std::move(reader),
                                                    config.lag_interval, registry);
    admin_service.set_lag_of(
        [s = lag_sampler.get()](const std::string& group_id) { return s->lag_of(group_id); });
  }

  // Installed before the port is announced, so a SIGTERM right after "listening on" stops cleanly.
  boost::asio::io_context signals_io;
  boost::asio::signal_set signals(signals_io, SIGINT, SIGTERM);
  signals.async_wait([](const boost::system::error_code& ec, int sig) {
    if (!ec) spdlog::info("signal {}: stopping", sig);
  });

  int bound_port = 0;
  std::unique_ptr<grpc::Server> server =
      start_grpc_server(config.listen, {&service, &admin_service}, bound_port,
                        server_credentials(config.grpc_tls, policy));
  if (!server) {
    spdlog::critical("cannot listen on {}: the address is taken or cannot be bound",
                     config.listen.to_string());
    return 1;
  }
  HostPort bound{config.listen.host, static_cast<std::uint16_t>(bound_port)};
  cluster.set_self(config.advertise.value_or(bound).to_string());
  std::unique_ptr<http::HttpServer> metrics_server;
  if (config.metrics_listen) {
    metrics_server = http::serve_metrics(*config.metrics_listen, registry);
    if (!metrics_server) return 1;
  }
  std::unique_ptr<console::Console> console;
  if (config.console_listen) {
    try {
      console = std::make_unique<console::Console>(*config.console_listen, cluster.self(),
                                                   peer_credentials(config.grpc_tls, admin_token),
                                                   config.lag_bootstrap);
    } catch (const std::exception& e) {
      spdlog::critical("--console-listen: {}", e.what());
      return 1;
    }
    spdlog::info("console on http://{}/", console->bound().to_string());
  }
  if (lag_sampler) lag_sampler->start();
  spdlog::info("listening on {}", bound.to_string());
  spdlog::info("{}", describe(config.grpc_tls, policy));

  std::unique_ptr<LeaseTable> leases;
  std::optional<ClusterMetrics> cluster_metrics;
  std::unique_ptr<LeaseManager> lease_manager;
  if (config.postgres) {
    // A cluster member: partitions come and go with their leases, each loaded when taken.
    std::string id = config.advertise.value_or(bound).to_string();
    leases = LeaseTable::open(*config.postgres, id, config.lease, error);
    if (!leases) {
      spdlog::critical("{}", error);
      server->Shutdown(std::chrono::system_clock::now());
      partitions.stop();
      return 1;
    }
    store->start();
    spdlog::info("in the cluster of {} as {}, leases of {} ms", store->location(), id,
                 config.lease.count());
    // Ready (gRPC health, which the Kubernetes probes ask) only while the leases are current.
    auto* health = server->GetHealthCheckService();
    health->SetServingStatus(false);
    cluster_metrics.emplace(register_cluster_metrics(registry));
    lease_manager = std::make_unique<LeaseManager>(
        *leases, partitions, config.lease,
        LeaseReporting{.metrics = &*cluster_metrics, .on_serving = [health](bool serving) {
                         health->SetServingStatus(serving);
                       }});
    lease_manager->start();
    signals_io.run();
    // Handoff first: parked calls answer NOT_COORDINATOR, writes in flight finish, the leases are
    // released so the next owners take over at once.
    lease_manager->stop();
    console.reset();
    lag_sampler.reset();
    return shut_down(config, watchers, service, *server, *store, partitions);
  }

  // Serving already: until their groups are read, partitions answer COORDINATOR_LOAD_IN_PROGRESS.
  auto stored = store->load(error);
  if (!stored) {
    spdlog::critical("{}", error);
    server->Shutdown(std::chrono::system_clock::now());
    partitions.stop();
    return 1;
  }
  spdlog::info("loaded {} groups and {} committed offsets from {}", stored->groups.size(),
               stored->offsets.size(), store->location());
  partitions.load(std::move(*stored));
  store->start();

  signals_io.run();
  console.reset();  // its event streams watch this coordinator
  lag_sampler.reset();
  return shut_down(config, watchers, service, *server, *store, partitions);
}
