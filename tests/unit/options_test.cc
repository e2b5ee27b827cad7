// Options from the command line and from environment variables (common/options.h).
#include "options.h"

#include <map>
#include <vector>

#include <gtest/gtest.h>

namespace groupwire {
namespace {

namespace po = boost::program_options;

po::options_description test_options() {
  po::options_description opts("test options");
  opts.add_options()("help", "help")("listen-address",
                                     po::value<std::string>()->default_value("here:1"), "where")(
      "count", po::value<long long>()->default_value(1), "how many")(
      "item", po::value<std::vector<std::string>>(), "repeatable");
  return opts;
}

// One reading of `args` with the variables `env`.
struct Reading {
  Reading(std::vector<const char*> args, std::map<std::string, std::string> env)
      : reader("prog", "GROUPWIRE_TEST_", fixed_environment(std::move(env))) {
    args.insert(args.begin(), "prog");
    reader.read(static_cast<int>(args.size()), args.data(), test_options(), vm);
  }
  OptionReader reader;
  po::variables_map vm;
};

TEST(OptionReader, VariableNameIsPrefixPlusUpperCaseFlag) {
  OptionReader reader("prog", "GROUPWIRE_GATEWAY_", fixed_environment({}));
  EXPECT_EQ(reader.env_name("listen"), "GROUPWIRE_GATEWAY_LISTEN");
  EXPECT_EQ(reader.env_name("coordinator-timeout-ms"), "GROUPWIRE_GATEWAY_COORDINATOR_TIMEOUT_MS");
}

TEST(OptionReader, VariableSetsAnOptionNotOnTheCommandLine) {
  Reading r({}, {{"GROUPWIRE_TEST_LISTEN_ADDRESS", "there:2"}, {"GROUPWIRE_TEST_COUNT", "7"}});
  EXPECT_EQ(r.vm["listen-address"].as<std::string>(), "there:2");
  EXPECT_EQ(r.vm["count"].as<long long>(), 7);
  EXPECT_EQ(r.reader.origin("count"), "GROUPWIRE_TEST_COUNT");
}

TEST(OptionReader, CommandLineWinsOverTheVariable) {
  Reading r({"--count", "3"}, {{"GROUPWIRE_TEST_COUNT", "7"}});
  EXPECT_EQ(r.vm["count"].as<long long>(), 3);
  EXPECT_EQ(r.reader.origin("count"), "--count");
}

TEST(OptionReader, DefaultsStayWithoutFlagOrVariable) {
  Reading r({}, {});
  EXPECT_EQ(r.vm["listen-address"].as<std::string>(), "here:1");
  EXPECT_TRUE(r.vm["listen-address"].defaulted());
  EXPECT_EQ(r.reader.origin("listen-address"), "--listen-address");
}

TEST(OptionReader, RepeatableOptionTakesCommaSeparatedValues) {
  Reading r({}, {{"GROUPWIRE_TEST_ITEM", "a:1,b:2"}});
  EXPECT_EQ(r.vm["item"].as<std::vector<std::string>>(), (std::vector<std::string>{"a:1", "b:2"}));
  Reading flags({"--item", "c:3"}, {{"GROUPWIRE_TEST_ITEM", "a:1,b:2"}});
  EXPECT_EQ(flags.vm["item"].as<std::vector<std::string>>(), (std::vector<std::string>{"c:3"}));
}

TEST(OptionReader, EmptyAndUnknownVariablesAreIgnored) {
  // Kubernetes sets <SERVICE>_PORT and <SERVICE>_SERVICE_HOST for every Service in the namespace.
  Reading r({}, {{"GROUPWIRE_TEST_COUNT", ""},
                 {"GROUPWIRE_TEST_PORT", "tcp://10.0.0.1:9092"},
                 {"GROUPWIRE_TEST_HELP", "1"}});
  EXPECT_EQ(r.vm["count"].as<long long>(), 1);
  EXPECT_EQ(r.vm.count("help"), 0u);
}

TEST(OptionReader, UnparsableVariableIsReportedByName) {
  OptionReader reader("prog", "GROUPWIRE_TEST_",
                      fixed_environment({{"GROUPWIRE_TEST_COUNT", "many"}}));
  po::variables_map vm;
  const char* argv[] = {"prog"};
  try {
    reader.read(1, argv, test_options(), vm);
    FAIL() << "no error";
  } catch (const BadOption& e) {
    EXPECT_EQ(e.flag, "count");
    auto failed = reader.failure<int>(e);
    EXPECT_EQ(failed.exit_code, 2);
    EXPECT_NE(failed.message.find("prog: GROUPWIRE_TEST_COUNT: "), std::string::npos)
        << failed.message;
    EXPECT_NE(failed.message.find("many"), std::string::npos) << failed.message;
  }
}

TEST(OptionReader, HelpStatesTheEnvironmentRule) {
  OptionReader reader("prog", "GROUPWIRE_TEST_", fixed_environment({}));
  auto help = reader.help(test_options(), "About it.");
  EXPECT_NE(help.find("Usage: prog [options]"), std::string::npos) << help;
  EXPECT_NE(help.find("About it."), std::string::npos) << help;
  EXPECT_NE(help.find("GROUPWIRE_TEST_FOO_BAR"), std::string::npos) << help;
}

}  // namespace
}  // namespace groupwire
