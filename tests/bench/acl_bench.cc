// The cost of one ACL check: AclSet::allows against a file of literal and prefixed rules, for
// names that match a literal rule, a prefixed rule, or nothing. Prints figures, asserts none.
#include <chrono>
#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "security/acl.h"

namespace po = boost::program_options;
using namespace groupwire::security;

namespace {

// Half literal topic rules, the rest prefixed group and topic rules of varied lengths, a few
// denies and a wildcard: the shape of a file for a few dozen teams.
std::string rules_text(int rules) {
  std::string text = "allow User:* Describe topic literal *\n";
  for (int i = 1; i < rules; ++i) {
    std::string principal = "User:svc-" + std::to_string(i % 37);
    std::string permission = i % 50 == 0 ? "deny" : "allow";
    if (i % 2 == 0) {
      text += permission + " " + principal + " Read topic literal orders.events." +
              std::to_string(i) + "\n";
    } else {
      std::string prefix = "team-" + std::to_string(i) + std::string(i % 7, 'x') + "-";
      text += permission + " " + principal + " All " + (i % 3 == 0 ? "topic" : "group") +
              " prefixed " + prefix + "\n";
    }
  }
  return text;
}

struct Query {
  std::string principal;
  AclOperation op;
  ResourceType type;
  std::string name;
};

std::vector<Query> queries(int rules, const std::string& kind) {
  std::vector<Query> out;
  for (int i = 1; i < rules; ++i) {
    std::string principal = "User:svc-" + std::to_string(i % 37);
    if (kind == "literal" && i % 2 == 0) {
      out.push_back({principal, AclOperation::kRead, ResourceType::kTopic,
                     "orders.events." + std::to_string(i)});
    } else if (kind == "prefixed" && i % 2 == 1) {
      out.push_back({principal, AclOperation::kRead,
                     i % 3 == 0 ? ResourceType::kTopic : ResourceType::kGroup,
                     "team-" + std::to_string(i) + std::string(i % 7, 'x') + "-consumer-app"});
    } else if (kind == "miss") {
      out.push_back({principal, AclOperation::kWrite, ResourceType::kTopic,
                     "unrelated.topic." + std::to_string(i)});
    }
  }
  return out;
}

void measure(const AclSet& set, const std::vector<Query>& qs, std::int64_t calls,
             const std::string& kind) {
  std::int64_t allowed = 0;
  auto start = std::chrono::steady_clock::now();
  for (std::int64_t i = 0; i < calls; ++i) {
    const Query& q = qs[static_cast<std::size_t>(i) % qs.size()];
    allowed += set.allows(q.principal, q.op, q.type, q.name);
  }
  std::chrono::duration<double, std::nano> elapsed = std::chrono::steady_clock::now() - start;
  std::cout << kind << ": " << elapsed.count() / static_cast<double>(calls) << " ns per call ("
            << allowed << " of " << calls << " allowed)\n";
}

}  // namespace

int main(int argc, char** argv) {
  int rules = 0;
  std::int64_t calls = 0;
  po::options_description opts("groupwire-bench-acl options");
  opts.add_options()("help", "print this help and exit")(
      "rules", po::value(&rules)->default_value(500), "rules in the ACL file")(
      "calls", po::value(&calls)->default_value(10'000'000), "checks per kind of name");
  po::variables_map vm;
  po::store(po::parse_command_line(argc, argv, opts), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << opts;
    return 0;
  }
  std::string error;
  auto set = AclSet::parse(rules_text(rules), error);
  if (!set) {
    std::cerr << error << "\n";
    return 1;
  }
  std::cout << set->size() << " rules\n";
  for (const char* kind : {"literal", "prefixed", "miss"}) {
    measure(*set, queries(rules, kind), calls, kind);
  }
  return 0;
}
