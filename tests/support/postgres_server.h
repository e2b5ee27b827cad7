// A throwaway PostgreSQL server for tests and benchmarks: a cluster made with initdb in a fresh
// temporary directory, started with pg_ctl on a free loopback port, trust authentication for
// user "groupwire". Stopped and deleted when destroyed. As root it runs as nobody: PostgreSQL
// refuses to run as root.
#pragma once

#include <memory>
#include <string>

namespace groupwire::testing {

class PostgresServer {
 public:
  // A server whose files are below `parent` (the system's temporary directory if empty); nullptr
  // and why when it cannot be made (PostgreSQL 15 not installed, say).
  static std::unique_ptr<PostgresServer> start(std::string& error, const std::string& parent = "");
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  int port() const { return port_; }
  // A libpq connection string for `database` on this server.
  std::string conninfo(const std::string& database = "postgres") const;
  // Creates an empty database; false and why if not.
  bool create_database(const std::string& name, std::string& error) const;

  // Stops the server at once (as a crash would) / starts it again on the same port and data.
  bool stop();
  bool restart();

 private:
  PostgresServer(std::string dir, int port) : dir_(std::move(dir)), port_(port) {}
  bool pg_ctl(const std::string& args) const;

  std::string dir_;
  int port_;
};

}  // namespace groupwire::testing
