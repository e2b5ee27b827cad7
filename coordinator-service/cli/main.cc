// groupwire: operate consumer groups through the coordinator's admin API (groupwire.admin.v1).
//
// Exit codes, for scripts:
//   0  done
//   1  the coordinator refused (no such group or member, the group's state forbids it, ...), or
//      the users file could not be read or written
//   2  usage: unknown command, bad or missing option
//   3  the coordinator (or the Kafka bootstrap given with --bootstrap) could not be reached
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>
#include <boost/program_options.hpp>

#include "cli/render.h"
#include "cli/users.h"
#include "command_line.h"
#include "groupwire/admin/v1/admin.grpc.pb.h"
#include "grpc_tls/channel_credentials.h"
#include "host_port.h"
#include "lag/watermarks.h"
#include "secrets/pem_file.h"

namespace po = boost::program_options;
using namespace groupwire;
using namespace groupwire::cli;
using coordinator::TopicPartition;
using coordinator::lag::Watermarks;

namespace {

constexpr int kOk = 0;
constexpr int kRefused = 1;
constexpr int kUsage = 2;
constexpr int kUnreachable = 3;

// The admin token itself, for scripts that hold it in a variable (never on the command line,
// where every process listing would show it).
constexpr char kTokenVariable[] = "GROUPWIRE_ADMIN_TOKEN";

constexpr char kUsageText[] = R"(Usage: groupwire [options] COMMAND

Commands:
  groups list                    every group (filters: --state, --type, --group-type, --prefix)
  groups describe GROUP          state, generation, members, decoded subscriptions and assignments
  groups delete GROUP            an Empty group and its offsets
  offsets show GROUP             committed offsets; with --bootstrap, end offsets and lag
  offsets reset GROUP TARGET     TARGET: --to-offset N | --to-earliest | --to-latest | --shift-by N
                                 (earliest/latest need --bootstrap); only while the group is Empty;
                                 --dry-run shows the result without changing anything
  offsets delete GROUP --topic T[:P,...]...
  members remove GROUP (--member-id ID | --instance-id ID)
  watch                          group events as they happen (--group, --prefix, --count)
  cluster status                 each coordinator, the partitions it owns with their lease
                                 epochs, and the partitions without an owner
  users add NAME --file FILE --password-stdin [--mechanism M] [--iterations N]
                                 adds or replaces NAME's salted SCRAM credential for mechanism M
                                 in the gateway's --sasl-users FILE (created if missing, mode 0600);
                                 the password is one line of standard input
  users remove NAME --file FILE  every credential of NAME
  users list --file FILE         NAME MECHANISM ITERATIONS, one per line (never a key)
                                 (users commands edit the file locally: no coordinator involved)

Exit codes: 0 done, 1 refused by the coordinator or users file unusable, 2 usage, 3 coordinator or
bootstrap unreachable.

)";

struct UsageError {
  std::string message;
};

struct Options {
  std::string coordinator;
  std::vector<HostPort> coordinators;
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  std::string output;
  std::chrono::milliseconds timeout{10000};
  std::vector<std::string> words;
  po::variables_map vm;
};

// Leaves the program with the exit code that says whose fault a failed call was.
int failed(const grpc::Status& status) {
  if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
    std::cerr << fmt::format(
        "groupwire: the coordinator refused to authenticate this call: {}\n(give --token-file "
        "or {}, or --tls-cert and --tls-key with a certificate its client CA signed)\n",
        status.error_message(), kTokenVariable);
    return kRefused;
  }
  bool unreachable = status.error_code() == grpc::StatusCode::UNAVAILABLE ||
                     status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
  // A TLS handshake that fails reads as a connection that closed at once.
  bool handshake = unreachable && status.error_message().find("Socket closed") != std::string::npos;
  std::cerr << fmt::format("groupwire: {}{}{}\n", unreachable ? "coordinator unreachable: " : "",
                           status.error_message(),
                           handshake ? " (if the coordinator speaks TLS: --tls-ca; if it refused "
                                       "the client certificate: --tls-cert, --tls-key)"
                                     : "");
  return unreachable ? kUnreachable : kRefused;
}

// "orders" (every committed partition of the topic) or "orders:0,1,2".
apb::TopicPartitions parse_topic(const std::string& text) {
  apb::TopicPartitions tp;
  auto colon = text.rfind(':');
  tp.set_topic(text.substr(0, colon));
  if (tp.topic().empty()) throw UsageError{"--topic: empty topic name in '" + text + "'"};
  if (colon == std::string::npos) return tp;
  std::stringstream list(text.substr(colon + 1));
  std::string p;
  while (std::getline(list, p, ',')) {
    try {
      std::size_t used = 0;
      int partition = std::stoi(p, &used);
      if (used != p.size() || partition < 0) throw std::invalid_argument(p);
      tp.add_partitions(partition);
    } catch (const std::exception&) {
      throw UsageError{"--topic: '" + text + "' is not TOPIC or TOPIC:P[,P...]"};
    }
  }
  return tp;
}

template <class Repeated>
void add_topics(const Options& o, Repeated* out) {
  if (!o.vm.count("topic")) return;
  for (const auto& t : o.vm["topic"].as<std::vector<std::string>>()) *out->Add() = parse_topic(t);
}

class Cli {
 public:
  explicit Cli(Options o) : o_(std::move(o)), stub_(apb::Admin::NewStub(answering())) {}

  int run() {
    const auto& w = o_.words;
    auto is = [&](const char* a, const char* b, std::size_t args) {
      return w.size() == 2 + args && w[0] == a && w[1] == b;
    };
    if (is("groups", "list", 0)) return groups_list();
    if (is("groups", "describe", 1)) return groups_describe(w[2]);
    if (is("groups", "delete", 1)) return groups_delete(w[2]);
    if (is("offsets", "show", 1)) return offsets_show(w[2]);
    if (is("offsets", "reset", 1)) return offsets_reset(w[2]);
    if (is("offsets", "delete", 1)) return offsets_delete(w[2]);
    if (is("members", "remove", 1)) return members_remove(w[2]);
    if (w.size() == 1 && w[0] == "watch") return watch();
    if (is("cluster", "status", 0)) return cluster_status();
    throw UsageError{w.empty() ? "no command"
                               : "unknown command or wrong arguments: " +
                                     fmt::format("{}", fmt::join(w, " "))};
  }

 private:
  // The first coordinator of --coordinator that accepts a connection (any coordinator of a cluster
  // answers for every group); the first one if none does, so that the call says it is unreachable.
  std::shared_ptr<grpc::Channel> answering() const {
    const auto deadline = std::chrono::system_clock::now() + o_.timeout;
    for (const auto& c : o_.coordinators) {
      auto channel = grpc::CreateChannel(c.to_string(), o_.credentials);
      if (o_.coordinators.size() == 1) return channel;
      // Ready, or refused (a failed connection attempt): whichever comes first.
      auto state = channel->GetState(/*try_to_connect=*/true);
      while (state != GRPC_CHANNEL_READY && state != GRPC_CHANNEL_TRANSIENT_FAILURE &&
             state != GRPC_CHANNEL_SHUTDOWN && channel->WaitForStateChange(state, deadline)) {
        state = channel->GetState(/*try_to_connect=*/true);
      }
      if (state == GRPC_CHANNEL_READY) return channel;
    }
    return grpc::CreateChannel(o_.coordinators.front().to_string(), o_.credentials);
  }

  bool json_output() const { return o_.output == "json"; }

  std::unique_ptr<grpc::ClientContext> context() const {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() + o_.timeout);
    return ctx;
  }

  template <class Resp>
  int show(const Resp& resp) {
    if (json_output()) {
      std::cout << to_json(resp).dump(2) << "\n";
    } else {
      print_table(std::cout, resp);
    }
    return kOk;
  }

  int groups_list() {
    apb::ListGroupsRequest req;
    if (o_.vm.count("state")) {
      for (const auto& s : o_.vm["state"].as<std::vector<std::string>>()) {
        auto state = parse_state(s);
        if (!state) throw UsageError{"--state: '" + s + "' is not a group state (e.g. Stable)"};
        req.add_states(*state);
      }
    }
    if (o_.vm.count("type")) {
      for (const auto& t : o_.vm["type"].as<std::vector<std::string>>()) req.add_protocol_types(t);
    }
    if (o_.vm.count("group-type")) {
      for (const auto& t : o_.vm["group-type"].as<std::vector<std::string>>()) {
        if (t != "classic" && t != "consumer") {
          throw UsageError{"--group-type: '" + t + "' is not classic or consumer"};
        }
        req.add_group_types(t);
      }
    }
    if (o_.vm.count("prefix")) req.set_name_prefix(o_.vm["prefix"].as<std::string>());
    req.set_page_size(500);
    std::vector<apb::GroupSummary> groups;
    do {
      apb::ListGroupsResponse resp;
      auto status = stub_->ListGroups(context().get(), req, &resp);
      if (!status.ok()) return failed(status);
      groups.insert(groups.end(), resp.groups().begin(), resp.groups().end());
      req.set_page_token(resp.next_page_token());
    } while (!req.page_token().empty());
    if (json_output()) {
      json out = {{"groups", json::array()}};
      for (const auto& g : groups) out["groups"].push_back(to_json(g));
      std::cout << out.dump(2) << "\n";
    } else {
      print_table(std::cout, groups);
    }
    return kOk;
  }

  int cluster_status() {
    apb::ClusterStatusResponse resp;
    auto status = stub_->ClusterStatus(context().get(), apb::ClusterStatusRequest(), &resp);
    return status.ok() ? show(resp) : failed(status);
  }

  int groups_describe(const std::string& group) {
    apb::DescribeGroupRequest req;
    req.set_group_id(group);
    apb::DescribeGroupResponse resp;
    auto status = stub_->DescribeGroup(context().get(), req, &resp);
    return status.ok() ? show(resp) : failed(status);
  }

  int groups_delete(const std::string& group) {
    apb::DeleteGroupRequest req;
    req.set_group_id(group);
    apb::DeleteGroupResponse resp;
    auto status = stub_->DeleteGroup(context().get(), req, &resp);
    if (!status.ok()) return failed(status);
    if (json_output()) {
      std::cout << json{{"deleted", group}}.dump(2) << "\n";
    } else {
      std::cout << "deleted group " << group << "\n";
    }
    return kOk;
  }

  // The committed offsets the command is about, as the coordinator selects them.
  std::optional<apb::GetOffsetsResponse> committed(const std::string& group, int& code) {
    apb::GetOffsetsRequest req;
    req.set_group_id(group);
    add_topics(o_, req.mutable_partitions());
    apb::GetOffsetsResponse resp;
    auto status = stub_->GetOffsets(context().get(), req, &resp);
    if (status.ok()) return resp;
    // A reset may create the group; there is then nothing committed to select from.
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) return apb::GetOffsetsResponse{};
    code = failed(status);
    return std::nullopt;
  }

  std::optional<Watermarks> watermarks(const apb::GetOffsetsResponse& rows,
                                       const std::set<TopicPartition>& extra) {
    std::set<TopicPartition> partitions = extra;
    for (const auto& r : rows.offsets()) partitions.insert({r.topic(), r.partition()});
    std::string error;
    std::optional<Watermarks> w;
    if (auto reader = coordinator::lag::WatermarkReader::open(o_.vm["bootstrap"].as<std::string>(),
                                                              "groupwire-cli", error)) {
      w = reader->read(partitions, o_.timeout, error);
    }
    if (!w) std::cerr << "groupwire: Kafka bootstrap unreachable: " << error << "\n";
    return w;
  }

  template <class Repeated>
  static void add_offsets(const std::map<TopicPartition, std::int64_t>& from, Repeated* out) {
    for (const auto& [tp, offset] : from) {
      auto* o = out->Add();
      o->set_topic(tp.first);
      o->set_partition(tp.second);
      o->set_offset(offset);
    }
  }

  int offsets_show(const std::string& group) {
    apb::GetOffsetsRequest req;
    req.set_group_id(group);
    add_topics(o_, req.mutable_partitions());
    if (o_.vm.count("bootstrap")) {
      int code = kOk;
      auto rows = committed(group, code);
      if (!rows) return code;
      auto w = watermarks(*rows, {});
      if (!w) return kUnreachable;
      add_offsets(w->latest, req.mutable_end_offsets());
    }
    apb::GetOffsetsResponse resp;
    auto status = stub_->GetOffsets(context().get(), req, &resp);
    return status.ok() ? show(resp) : failed(status);
  }

  int offsets_reset(const std::string& group) {
    apb::ResetOffsetsRequest req;
    req.set_group_id(group);
    add_topics(o_, req.mutable_partitions());
    int targets = 0;
    if (o_.vm.count("to-offset")) req.set_to_offset(o_.vm["to-offset"].as<long long>()), ++targets;
    if (o_.vm.count("to-earliest")) req.set_to_earliest(true), ++targets;
    if (o_.vm.count("to-latest")) req.set_to_latest(true), ++targets;
    if (o_.vm.count("shift-by")) req.set_shift_by(o_.vm["shift-by"].as<long long>()), ++targets;
    if (targets != 1) {
      throw UsageError{
          "offsets reset: give exactly one of --to-offset, --to-earliest, "
          "--to-latest, --shift-by"};
    }
    if ((req.has_to_earliest() || req.has_to_latest()) && !o_.vm.count("bootstrap")) {
      throw UsageError{
          "offsets reset: --to-earliest and --to-latest need --bootstrap HOST:PORT "
          "(a gateway or Kafka broker) to read the partitions' end offsets"};
    }
    req.set_dry_run(o_.vm.count("dry-run") > 0);
    if (o_.vm.count("bootstrap")) {
      int code = kOk;
      auto rows = committed(group, code);
      if (!rows) return code;
      std::set<TopicPartition> named;
      for (const auto& t : req.partitions()) {
        for (int p : t.partitions()) named.insert({t.topic(), p});
      }
      auto w = watermarks(*rows, named);
      if (!w) return kUnreachable;
      add_offsets(w->earliest, req.mutable_earliest_offsets());
      add_offsets(w->latest, req.mutable_latest_offsets());
    }
    apb::ResetOffsetsResponse resp;
    auto status = stub_->ResetOffsets(context().get(), req, &resp);
    return status.ok() ? show(resp) : failed(status);
  }

  int offsets_delete(const std::string& group) {
    apb::DeleteOffsetsRequest req;
    req.set_group_id(group);
    add_topics(o_, req.mutable_partitions());
    if (req.partitions().empty()) throw UsageError{"offsets delete: name at least one --topic"};
    apb::DeleteOffsetsResponse resp;
    auto status = stub_->DeleteOffsets(context().get(), req, &resp);
    return status.ok() ? show(resp) : failed(status);
  }

  int members_remove(const std::string& group) {
    apb::RemoveMemberRequest req;
    req.set_group_id(group);
    bool by_id = o_.vm.count("member-id") > 0, by_instance = o_.vm.count("instance-id") > 0;
    if (by_id == by_instance) {
      throw UsageError{"members remove: give exactly one of --member-id, --instance-id"};
    }
    if (by_id) req.set_member_id(o_.vm["member-id"].as<std::string>());
    if (by_instance) req.set_group_instance_id(o_.vm["instance-id"].as<std::string>());
    apb::RemoveMemberResponse resp;
    auto status = stub_->RemoveMember(context().get(), req, &resp);
    if (!status.ok()) return failed(status);
    if (json_output()) {
      std::cout << json{{"removed_member_id", resp.member_id()}}.dump(2) << "\n";
    } else {
      std::cout << "removed member " << resp.member_id() << " from group " << group << "\n";
    }
    return kOk;
  }

  int watch() {
    apb::WatchGroupsRequest req;
    if (o_.vm.count("group")) {
      for (const auto& g : o_.vm["group"].as<std::vector<std::string>>()) req.add_group_ids(g);
    }
    if (o_.vm.count("prefix")) req.set_group_id_prefix(o_.vm["prefix"].as<std::string>());
    long long count = o_.vm.count("count") ? o_.vm["count"].as<long long>() : -1;
    grpc::ClientContext ctx;  // no deadline: a watch lasts until interrupted
    auto reader = stub_->WatchGroups(&ctx, req);
    // The coordinator subscribes before it sends the initial metadata: from here on, no
    // event is missed. Scripts may wait for this line.
    reader->WaitForInitialMetadata();
    std::cerr << "groupwire: watching group events" << std::endl;
    apb::GroupEvent event;
    while (count != 0 && reader->Read(&event)) {
      if (json_output()) {
        std::cout << to_json(event).dump() << std::endl;
      } else {
        print_line(std::cout, event);
        std::cout.flush();
      }
      if (count > 0) --count;
    }
    if (count == 0) {
      ctx.TryCancel();
      reader->Finish();
      return kOk;
    }
    auto status = reader->Finish();
    return status.ok() ? kOk : failed(status);
  }

  Options o_;
  std::unique_ptr<apb::Admin::Stub> stub_;
};

// The channel's credentials: plaintext, or TLS with --tls-* and the admin token.
std::shared_ptr<grpc::ChannelCredentials> credentials(const po::variables_map& vm) {
  std::optional<ClientTls> tls;
  try {
    tls = client_tls_flags(vm, "tls-ca", "tls-cert", "tls-key");
  } catch (const BadOption& e) {
    throw UsageError{"--" + e.flag + ": " + e.problem};
  }
  std::optional<std::string> token;
  if (vm.count("token-file")) {
    std::string error;
    auto text = read_secret_file(vm["token-file"].as<std::string>(), error);
    if (!text) throw UsageError{"--token-file: " + error};
    token = trimmed_token(std::move(*text));
    if (!token) throw UsageError{"--token-file: the file is empty"};
  } else if (const char* variable = std::getenv(kTokenVariable)) {
    token = trimmed_token(variable);
    if (!token) throw UsageError{fmt::format("{} is empty", kTokenVariable)};
  }
  if (token && !tls) {
    throw UsageError{
        "an admin token needs TLS (--tls-ca, or --tls-cert and --tls-key): in plaintext it could "
        "be read off the network"};
  }
  return channel_credentials(
      tls, token ? std::make_shared<const TokenSource>(std::move(*token)) : nullptr);
}

Options parse(int argc, char** argv) {
  Options o;
  po::options_description opts("Options");
  opts.add_options()("help", "print this help and exit")(
      "coordinator", po::value<std::string>(&o.coordinator)->default_value("127.0.0.1:9093"),
      "HOST:PORT[,HOST:PORT...] of the coordinator's gRPC service: the first that answers")(
      "output,o", po::value<std::string>(&o.output)->default_value("table"), "table|json")(
      "timeout-ms", po::value<long long>()->default_value(10000), "deadline of each call")(
      "state", po::value<std::vector<std::string>>(),
      "groups list: only groups in this state (Kafka's name; repeatable)")(
      "type", po::value<std::vector<std::string>>(),
      "groups list: only this protocol type, e.g. consumer (repeatable)")(
      "group-type", po::value<std::vector<std::string>>(),
      "groups list: only groups of this protocol, classic or consumer (KIP-848) (repeatable)")(
      "prefix", po::value<std::string>(), "groups list, watch: group ids starting with this")(
      "topic", po::value<std::vector<std::string>>(),
      "offsets: TOPIC (its committed partitions) or TOPIC:P[,P...] (repeatable)")(
      "bootstrap", po::value<std::string>(),
      "offsets: a Kafka bootstrap (e.g. a gateway) to read end offsets from")(
      "to-offset", po::value<long long>(), "offsets reset: to this offset")(
      "to-earliest", "offsets reset: to each partition's log start")(
      "to-latest", "offsets reset: to each partition's end")(
      "shift-by", po::value<long long>(), "offsets reset: move by N (negative: back)")(
      "dry-run", "offsets reset: show, change nothing")("member-id", po::value<std::string>(),
                                                        "members remove: the member id")(
      "instance-id", po::value<std::string>(), "members remove: a static member's instance id")(
      "group", po::value<std::vector<std::string>>(), "watch: only this group (repeatable)")(
      "count", po::value<long long>(), "watch: exit after N events")(
      "file", po::value<std::string>(), "users: the --sasl-users file of the gateway")(
      "mechanism", po::value<std::string>()->default_value("SCRAM-SHA-512"),
      "users add: SCRAM-SHA-512 or SCRAM-SHA-256")(
      "iterations", po::value<int>()->default_value(4096), "users add: from 4096 to 16384")(
      "password-stdin", "users add: read the password from standard input (required)")(
      "tls-ca", po::value<std::string>(),
      "FILE: speak TLS to the coordinator, trusting these CA certificates (PEM)")(
      "tls-cert", po::value<std::string>(),
      "FILE: speak TLS and present this client certificate (PEM; with --tls-key)")(
      "tls-key", po::value<std::string>(), "FILE: the private key of --tls-cert (PEM)")(
      "token-file", po::value<std::string>(),
      "FILE holding the coordinator's admin token, sent as a bearer token (needs TLS); or the "
      "token itself in GROUPWIRE_ADMIN_TOKEN")(
      "words", po::value<std::vector<std::string>>(&o.words), "the command");
  po::positional_options_description positional;
  positional.add("words", -1);
  try {
    po::store(po::command_line_parser(argc, argv).options(opts).positional(positional).run(), o.vm);
    po::notify(o.vm);
  } catch (const po::error& e) {
    throw UsageError{e.what()};
  }
  if (o.vm.count("help")) {
    std::ostringstream help;
    help << kUsageText << opts;
    std::cout << help.str();
    std::exit(kOk);
  }
  bool local = !o.words.empty() && o.words[0] == "users";  // needs no coordinator
  try {
    if (!local) o.coordinators = host_ports_flag(o.vm, "coordinator");
  } catch (const BadOption& e) {
    throw UsageError{"--coordinator: " + e.problem};
  }
  if (o.output != "table" && o.output != "json") {
    throw UsageError{"--output: '" + o.output + "' is not table or json"};
  }
  o.credentials = credentials(o.vm);
  auto timeout = o.vm["timeout-ms"].as<long long>();
  if (timeout <= 0) throw UsageError{"--timeout-ms: must be positive"};
  o.timeout = std::chrono::milliseconds(timeout);
  return o;
}

// users commands edit a local file: they never connect to a coordinator.
int users(const Options& o) {
  UsersCommand command{o.words, o.vm.count("file") ? o.vm["file"].as<std::string>() : "",
                       o.vm["mechanism"].as<std::string>(), o.vm["iterations"].as<int>(),
                       o.vm.count("password-stdin") > 0};
  auto outcome = run_users(command, std::cin, std::cout);
  switch (outcome.kind) {
    case UsersOutcome::Kind::kOk:
      return kOk;
    case UsersOutcome::Kind::kUsage:
      throw UsageError{outcome.message};
    case UsersOutcome::Kind::kFailed:
      break;
  }
  std::cerr << "groupwire: " << outcome.message << "\n";
  return kRefused;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    auto options = parse(argc, argv);
    if (!options.words.empty() && options.words[0] == "users") return users(options);
    return Cli(std::move(options)).run();
  } catch (const UsageError& e) {
    std::cerr << "groupwire: " << e.message << "\n(see groupwire --help)\n";
    return kUsage;
  }
}
