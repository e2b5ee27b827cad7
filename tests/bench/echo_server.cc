// groupwire-bench-echo: the physical limit for the load generator's connection pattern. It
// answers every request frame at once with a Heartbeat answer (error NONE) carrying the
// request's correlation id, doing no other work; everything read together is answered in one
// write, as the gateway does. Says "listening on HOST:PORT" on stderr, as the gateway logs it.
#include <utility>  // before asio: Boost 1.74 awaitable.hpp uses std::exchange unincluded

#include <csignal>
#include <cstdio>
#include <sstream>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/program_options.hpp>

#include "group_load/kafka_socket.h"
#include "host_port.h"
#include "kafka/codec/header.h"
#include "kafka/codec/messages/heartbeat.h"

namespace {

using namespace groupwire;
using bench::KafkaSocket;
using bench::tcp;
namespace asio = boost::asio;
namespace po = boost::program_options;

// Appends the answer to one request frame (size prefix included); false if it has no header.
bool answer(std::string_view request, std::string& out) {
  kafka::Reader r(request.data() + 4, request.size() - 4);
  kafka::RequestHeader header;
  std::int16_t api_key = 0;
  kafka::ApiVersion version = 0;
  if (!kafka::peek_api(request.substr(4), api_key, version)) return false;
  version = kafka::HeartbeatResponse::kValid.contains(version) ? version : 0;
  bool flexible = kafka::is_flexible<kafka::HeartbeatResponse>(version);
  if (!kafka::decode_request_header(r, flexible, header)) return false;
  std::size_t start = out.size();
  out.append(4, '\0');
  kafka::encode_response_header(header.correlation_id, flexible, out);
  kafka::encode(kafka::HeartbeatResponse{}, version, out);
  kafka::put_int32_at(out, start, static_cast<std::uint32_t>(out.size() - start - 4));
  return true;
}

asio::awaitable<void> serve(tcp::socket accepted) {
  KafkaSocket socket(std::move(accepted));
  std::string answers;
  while (true) {
    std::string_view request;
    auto ec = co_await socket.receive(request);
    if (ec || !answer(request, answers)) break;
    if (socket.frame_buffered()) continue;
    ec = co_await socket.send(answers);
    if (ec) break;
    answers.clear();
  }
  socket.close();
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor) {
  while (true) {
    boost::system::error_code ec;
    tcp::socket s = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) continue;  // e.g. out of file descriptors: the client sees its connection fail
    s.set_option(tcp::no_delay(true), ec);
    asio::co_spawn(acceptor.get_executor(), serve(std::move(s)), asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description opts("groupwire-bench-echo options");
  opts.add_options()("help", "print this help and exit")(
      "listen", po::value<std::string>()->default_value("127.0.0.1:0"),
      "HOST:PORT (port 0 picks a free port)")(
      "threads", po::value<int>()->default_value(1),
      "I/O threads (one is fastest on a 2-core machine shared with the load generator)");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, opts), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "groupwire-bench-echo: %s\n", e.what());
    return 2;
  }
  if (vm.count("help")) {
    std::ostringstream help;
    help << opts;
    std::fputs(help.str().c_str(), stdout);
    return 0;
  }
  auto listen = parse_host_port(vm["listen"].as<std::string>());
  int threads = vm["threads"].as<int>();
  if (!listen || threads < 1) {
    std::fputs("groupwire-bench-echo: --listen HOST:PORT and --threads >= 1\n", stderr);
    return 2;
  }

  asio::io_context io(threads);
  boost::system::error_code ec;
  tcp::acceptor acceptor(io);
  tcp::endpoint at(asio::ip::make_address(listen->host, ec), listen->port);
  if (!ec) acceptor.open(at.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(at, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::fprintf(stderr, "groupwire-bench-echo: cannot listen on %s: %s\n",
                 listen->to_string().c_str(), ec.message().c_str());
    return 1;
  }
  auto bound = acceptor.local_endpoint();
  std::fprintf(stderr, "listening on %s:%u\n", bound.address().to_string().c_str(), bound.port());

  asio::signal_set stop(io, SIGINT, SIGTERM);
  stop.async_wait([&](auto, int) { io.stop(); });
  asio::co_spawn(io, accept_loop(acceptor), asio::detached);
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&] { io.run(); });
  io.run();
  for (auto& t : pool) t.join();
  return 0;
}
