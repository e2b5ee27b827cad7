#include "options.h"

#include <cctype>
#include <cstdlib>
#include <sstream>
#include <vector>

#include <fmt/format.h>

namespace groupwire {

namespace po = boost::program_options;

namespace {

// Repeatable flags are the ones collecting strings; their variable lists the values.
bool repeatable(const po::option_description& option) {
  return dynamic_cast<const po::typed_value<std::vector<std::string>>*>(option.semantic().get()) !=
         nullptr;
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    auto comma = text.find(',', start);
    parts.push_back(text.substr(start, comma == std::string::npos ? comma : comma - start));
    if (comma == std::string::npos) return parts;
    start = comma + 1;
  }
}

}  // namespace

Environment process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

Environment fixed_environment(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

OptionReader::OptionReader(std::string program, std::string env_prefix, Environment env)
    : program_(std::move(program)), env_prefix_(std::move(env_prefix)), env_(std::move(env)) {}

std::string OptionReader::env_name(std::string_view flag) const {
  std::string name = env_prefix_;
  for (char ch : flag) {
    name += ch == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  return name;
}

void OptionReader::read(int argc, const char* const argv[], const po::options_description& options,
                        po::variables_map& vm) {
  po::store(po::command_line_parser(argc, argv).options(options).run(), vm);
  for (const auto& option : options.options()) {
    const std::string& flag = option->long_name();
    if (option->semantic()->max_tokens() == 0) continue;  // switches such as --help
    if (vm.count(flag) && !vm[flag].defaulted()) continue;
    auto value = env_(env_name(flag));
    // Empty counts as unset, as compose files write `VAR: ""` to leave one out.
    if (!value || value->empty()) continue;
    std::vector<std::string> args{program_};
    for (const auto& one : repeatable(*option) ? split_commas(*value) : std::vector{*value}) {
      args.push_back("--" + flag + "=" + one);
    }
    from_env_.insert(flag);
    try {
      po::store(po::command_line_parser(args).options(options).run(), vm);
    } catch (const po::error& e) {
      throw BadOption{flag, e.what()};
    }
  }
  po::notify(vm);
}

std::string OptionReader::origin(std::string_view flag) const {
  if (from_env_.count(flag)) return env_name(flag);
  return fmt::format("--{}", flag);
}

std::string OptionReader::help(const po::options_description& options,
                               std::string_view about) const {
  std::ostringstream out;
  out << "Usage: " << program_ << " [options]\n\n";
  if (!about.empty()) out << about << "\n\n";
  out << options << "\nEvery option can also be set through the environment: --foo-bar is "
      << env_name("foo-bar") << " (a repeatable option's values separated by commas). A flag on "
      << "the command line wins over its variable.\n";
  return out.str();
}

std::string OptionReader::error_message(const BadOption& e) const {
  return fmt::format("{}: {}: {}\n", program_, origin(e.flag), e.problem);
}

std::string OptionReader::error_message(const po::error& e) const {
  return fmt::format("{}: {}\n(see --help)\n", program_, e.what());
}

}  // namespace groupwire
