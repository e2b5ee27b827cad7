#include "metrics/metrics.h"

#include <cmath>
#include <variant>

#include <fmt/format.h>

namespace groupwire::metrics {

namespace {

std::string escape(const std::string& s, bool quotes) {
  std::string out;
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

std::string number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  return fmt::format("{}", v);
}

// {a="1",b="2"} plus an optional extra label (a histogram's le).
std::string labels(const std::vector<std::string>& names, const LabelValues& values,
                   const std::string& extra_name = {}, const std::string& extra_value = {}) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
    out += fmt::format("{}{}=\"{}\"", out.empty() ? "" : ",", names[i], escape(values[i], true));
  }
  if (!extra_name.empty()) {
    out += fmt::format("{}{}=\"{}\"", out.empty() ? "" : ",", extra_name, extra_value);
  }
  return out.empty() ? "" : "{" + out + "}";
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)),
      counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::observe(double v) {
  std::size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.upper_bounds = bounds_;
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

std::vector<double> latency_buckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

struct Registry::Entry {
  std::string name;
  std::string help;
  std::variant<std::unique_ptr<Family<Counter>>, std::unique_ptr<Family<Gauge>>,
               std::unique_ptr<Family<Histogram>>>
      family;
};

Registry::Registry() = default;
Registry::~Registry() = default;

template <class M>
Family<M>& Registry::add(const std::string& name, const std::string& help,
                         std::vector<std::string> label_names,
                         std::function<std::unique_ptr<M>()> make) {
  auto family = std::make_unique<Family<M>>(std::move(label_names), std::move(make));
  auto& ref = *family;
  std::lock_guard lock(mu_);
  entries_.push_back(std::make_unique<Entry>(Entry{name, help, std::move(family)}));
  return ref;
}

Family<Counter>& Registry::counter(const std::string& name, const std::string& help,
                                   std::vector<std::string> label_names) {
  return add<Counter>(name, help, std::move(label_names),
                      [] { return std::make_unique<Counter>(); });
}

Family<Gauge>& Registry::gauge(const std::string& name, const std::string& help,
                               std::vector<std::string> label_names) {
  return add<Gauge>(name, help, std::move(label_names), [] { return std::make_unique<Gauge>(); });
}

Family<Histogram>& Registry::histogram(const std::string& name, const std::string& help,
                                       std::vector<std::string> label_names,
                                       std::vector<double> upper_bounds) {
  return add<Histogram>(name, help, std::move(label_names), [bounds = std::move(upper_bounds)] {
    return std::make_unique<Histogram>(bounds);
  });
}

void Registry::on_scrape(std::function<void()> refresh) {
  std::lock_guard lock(mu_);
  refreshers_.push_back(std::move(refresh));
}

std::string Registry::render() const {
  std::lock_guard lock(mu_);
  for (const auto& refresh : refreshers_) refresh();
  std::string out;
  for (const auto& e : entries_) {
    out += fmt::format("# HELP {} {}\n", e->name, escape(e->help, false));
    std::visit(
        [&](const auto& family) {
          using F = std::decay_t<decltype(*family)>;
          const auto& names = family->label_names();
          if constexpr (std::is_same_v<F, Family<Histogram>>) {
            out += fmt::format("# TYPE {} histogram\n", e->name);
            family->each([&](const LabelValues& values, const Histogram& h) {
              auto s = h.snapshot();
              for (std::size_t i = 0; i < s.cumulative.size(); ++i) {
                std::string le = i < s.upper_bounds.size() ? number(s.upper_bounds[i]) : "+Inf";
                out += fmt::format("{}_bucket{} {}\n", e->name, labels(names, values, "le", le),
                                   s.cumulative[i]);
              }
              out += fmt::format("{}_sum{} {}\n", e->name, labels(names, values), number(s.sum));
              out += fmt::format("{}_count{} {}\n", e->name, labels(names, values),
                                 s.cumulative.back());
            });
          } else {
            constexpr bool counter = std::is_same_v<F, Family<Counter>>;
            out += fmt::format("# TYPE {} {}\n", e->name, counter ? "counter" : "gauge");
            family->each([&](const LabelValues& values, const auto& m) {
              out += fmt::format("{}{} {}\n", e->name, labels(names, values), number(m.value()));
            });
          }
        },
        e->family);
  }
  return out;
}

}  // namespace groupwire::metrics
