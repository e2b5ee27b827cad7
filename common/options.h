// Command lines that can also be given through the environment, the way containers are
// configured: flag --foo-bar is also variable <PREFIX>FOO_BAR (e.g. GROUPWIRE_GATEWAY_FOO_BAR).
// A flag on the command line wins over its variable; a repeatable flag's variable holds its
// values separated by commas. Variables with the prefix that name no flag are ignored
// (Kubernetes injects <SERVICE>_PORT and the like for every Service).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <boost/program_options.hpp>

namespace groupwire {

// Looks one variable up; nullopt when it is not set.
using Environment = std::function<std::optional<std::string>(const std::string& name)>;

// The process's own environment (getenv).
Environment process_environment();

// Just these variables (tests, tools that build a configuration).
Environment fixed_environment(std::map<std::string, std::string> vars);

// A value that cannot be used. `flag` is the long name without dashes: the reader reports it as
// the flag or as the variable, whichever the value came from.
struct BadOption {
  std::string flag;
  std::string problem;
};

template <class Config>
struct ParsedOptions {
  std::optional<Config> config;  // empty: print `message` and exit with `exit_code`
  std::string message;
  int exit_code = 0;
};

class OptionReader {
 public:
  OptionReader(std::string program, std::string env_prefix, Environment env);

  // The variable that sets --`flag`.
  std::string env_name(std::string_view flag) const;

  // Stores the command line, then the variables of the options it did not give. Throws
  // BadOption for an unusable variable, boost::program_options::error for a bad command line.
  void read(int argc, const char* const argv[],
            const boost::program_options::options_description& options,
            boost::program_options::variables_map& vm);

  // "--flag", or the variable's name when the value came from the environment.
  std::string origin(std::string_view flag) const;

  // Usage line, `about` (may be empty), the options and the environment rule.
  std::string help(const boost::program_options::options_description& options,
                   std::string_view about = {}) const;

  // The exit-code-2 answers to a bad option, naming it as the user gave it.
  template <class Config>
  ParsedOptions<Config> failure(const BadOption& e) const {
    return {std::nullopt, error_message(e), 2};
  }
  template <class Config>
  ParsedOptions<Config> failure(const boost::program_options::error& e) const {
    return {std::nullopt, error_message(e), 2};
  }

 private:
  std::string error_message(const BadOption& e) const;
  std::string error_message(const boost::program_options::error& e) const;

  std::string program_;
  std::string env_prefix_;
  Environment env_;
  std::set<std::string, std::less<>> from_env_;
};

}  // namespace groupwire
