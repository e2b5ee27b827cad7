#include "postgres_server.h"

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace groupwire::testing {

namespace {

namespace fs = std::filesystem;

// Debian's postgresql-15 server binaries.
const char* const kBin = GROUPWIRE_POSTGRES_BINDIR;

// A port nothing listens on right now (the kernel's choice for an ephemeral bind).
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

// Runs a server binary as the user PostgreSQL accepts: ourselves, or nobody when we are root.
std::string as_server_user(const std::string& command) {
  if (::geteuid() != 0) return command;
  return "setpriv --reuid=nobody --regid=nogroup --clear-groups " + command;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::unique_ptr<PostgresServer> PostgresServer::start(std::string& error,
                                                      const std::string& parent) {
  if (!fs::exists(fs::path(kBin) / "initdb")) {
    error = fmt::format("{}/initdb not found: apt-get install -y postgresql-15", kBin);
    return nullptr;
  }
  std::string dir =
      ((parent.empty() ? fs::temp_directory_path() : fs::path(parent)) / "groupwire-pg-XXXXXX")
          .string();
  if (!::mkdtemp(dir.data())) {
    error = "cannot make a temporary directory";
    return nullptr;
  }
  if (::geteuid() == 0 && ::chown(dir.c_str(), 65534, 65534) != 0) {
    error = fmt::format("cannot hand {} to nobody", dir);
    return nullptr;
  }
  std::string initdb = as_server_user(
      fmt::format("{}/initdb -D {}/data -U groupwire --auth=trust -E UTF8 -N > {}/initdb.log 2>&1",
                  kBin, dir, dir));
  if (std::system(initdb.c_str()) != 0) {
    error = fmt::format("initdb failed: {}", read_file(fs::path(dir) / "initdb.log"));
    fs::remove_all(dir);
    return nullptr;
  }
  // Another process can take the port between our probe and the server's bind: try again.
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::unique_ptr<PostgresServer> server(new PostgresServer(dir, free_port()));
    if (server->restart()) return server;
    error = fmt::format("the server did not start: {}", read_file(fs::path(dir) / "server.log"));
    server->dir_.clear();  // keep the directory for the next attempt
  }
  fs::remove_all(dir);
  return nullptr;
}

PostgresServer::~PostgresServer() {
  if (dir_.empty()) return;
  stop();
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

std::string PostgresServer::conninfo(const std::string& database) const {
  return fmt::format("host=127.0.0.1 port={} user=groupwire dbname={}", port_, database);
}

bool PostgresServer::pg_ctl(const std::string& args) const {
  std::string command =
      as_server_user(fmt::format("{}/pg_ctl -D {}/data -l {}/server.log -w -t 60 {} >> "
                                 "{}/pg_ctl.log 2>&1",
                                 kBin, dir_, dir_, args, dir_));
  return std::system(command.c_str()) == 0;
}

bool PostgresServer::stop() {
  return pg_ctl("-m immediate stop");
}

bool PostgresServer::restart() {
  return pg_ctl(fmt::format(
      "-o \"-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=40\" start", port_, dir_));
}

bool PostgresServer::create_database(const std::string& name, std::string& error) const {
  PGconn* pg = PQconnectdb(conninfo().c_str());
  bool ok = PQstatus(pg) == CONNECTION_OK;
  if (ok) {
    PGresult* r = PQexec(pg, fmt::format("CREATE DATABASE \"{}\"", name).c_str());
    ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
  }
  if (!ok) error = PQerrorMessage(pg);
  PQfinish(pg);
  return ok;
}

}  // namespace groupwire::testing
