// A small Prometheus registry: counters, gauges and histograms, optionally labelled, rendered in
// the text exposition format (version 0.0.4). Debian has no C++ Prometheus client, and this is
// all the processes need. Updating a metric is lock-free; looking up a labelled child takes the
// family's lock, so hot paths keep the reference they got.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace groupwire::metrics {

using LabelValues = std::vector<std::string>;

class Counter {
 public:
  void inc(double by = 1) { value_.fetch_add(by, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void inc(double by = 1) { value_.fetch_add(by, std::memory_order_relaxed); }
  void dec(double by = 1) { value_.fetch_sub(by, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double v);

  struct Snapshot {
    std::vector<double> upper_bounds;
    std::vector<std::uint64_t> cumulative;  // per bound, then +Inf
    double sum = 0;
  };
  Snapshot snapshot() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // per bound, then +Inf
  std::atomic<double> sum_{0};
};

// Bucket bounds for durations in seconds, from 0.5 ms to 10 s.
std::vector<double> latency_buckets();

// One metric name and its children, one per combination of label values.
template <class M>
class Family {
 public:
  Family(std::vector<std::string> label_names, std::function<std::unique_ptr<M>()> make)
      : label_names_(std::move(label_names)), make_(std::move(make)) {}

  // The child for these label values (in label_names order), created on first use. The
  // reference stays valid as long as the registry.
  M& with(const LabelValues& values) {
    std::lock_guard lock(mu_);
    auto& child = children_[values];
    if (!child) child = make_();
    return *child;
  }

  // Drops the children `keep` rejects, for label values that come and go (a group's). A dropped
  // child's reference is invalid afterwards: only for families looked up on every update.
  template <class Keep>
  void erase_unless(Keep keep) {
    std::lock_guard lock(mu_);
    std::erase_if(children_, [&keep](const auto& entry) { return !keep(entry.first); });
  }

  const std::vector<std::string>& label_names() const { return label_names_; }
  template <class Fn>
  void each(Fn fn) const {
    std::lock_guard lock(mu_);
    for (const auto& [values, child] : children_) fn(values, *child);
  }

 private:
  std::vector<std::string> label_names_;
  std::function<std::unique_ptr<M>()> make_;
  mutable std::mutex mu_;
  std::map<LabelValues, std::unique_ptr<M>> children_;
};

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  Family<Counter>& counter(const std::string& name, const std::string& help,
                           std::vector<std::string> label_names = {});
  Family<Gauge>& gauge(const std::string& name, const std::string& help,
                       std::vector<std::string> label_names = {});
  Family<Histogram>& histogram(const std::string& name, const std::string& help,
                               std::vector<std::string> label_names,
                               std::vector<double> upper_bounds);

  // Runs before each render(): for values read from elsewhere at scrape time (gauges of state
  // owned by other threads).
  void on_scrape(std::function<void()> refresh);

  std::string render() const;

 private:
  struct Entry;
  template <class M>
  Family<M>& add(const std::string& name, const std::string& help,
                 std::vector<std::string> label_names, std::function<std::unique_ptr<M>()> make);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Entry>> entries_;
  std::vector<std::function<void()>> refreshers_;
};

inline constexpr char kContentType[] = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace groupwire::metrics
