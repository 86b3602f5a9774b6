// Metrics: counters, gauges and histograms in a registry that renders as
// Prometheus text (exposition format 0.0.4). Updates are lock-free atomics,
// cheap enough for hot paths; registration takes a lock and returns a stable
// reference, so roles look metrics up once and keep the reference.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace troupe::metrics {

using labels = std::vector<std::pair<std::string, std::string>>;

class counter {
public:
  void inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

private:
  std::atomic<uint64_t> value_{0};
};

class gauge {
public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void add(double v);
  double value() const { return value_.load(std::memory_order_relaxed); }

private:
  std::atomic<double> value_{0};
};

/// Cumulative histogram over fixed upper bounds (Prometheus `le` buckets).
class histogram {
public:
  /// `bounds` ascending; an implicit +Inf bucket follows them.
  explicit histogram(std::vector<double> bounds);

  void observe(double v);

  struct snapshot {
    std::vector<double> bounds;    // upper bounds, without +Inf
    std::vector<uint64_t> counts;  // per bucket, non-cumulative; size bounds+1
    uint64_t count = 0;
    double sum = 0;
    /// Estimated q-quantile (0..1) by linear interpolation inside a bucket;
    /// 0 if empty.
    double quantile(double q) const;
  };
  snapshot read() const;

  /// Exponential bounds: start, start*factor, ... (n bounds).
  static std::vector<double> exponential(double start, double factor, size_t n);
  /// Default latency bounds in seconds: 10 µs .. ~10 s.
  static std::vector<double> latency_seconds();

private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

/// Owns metrics by (name, labels). Getting an existing metric returns the same
/// object; getting a name with a different kind throws std::invalid_argument,
/// as do names or label keys that Prometheus would reject.
class registry {
public:
  registry();
  ~registry();
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  counter& get_counter(const std::string& name, const std::string& help,
                       const labels& lbls = {});
  gauge& get_gauge(const std::string& name, const std::string& help,
                   const labels& lbls = {});
  histogram& get_histogram(const std::string& name, const std::string& help,
                           const labels& lbls = {},
                           std::vector<double> bounds = histogram::latency_seconds());

  /// Prometheus text exposition of every metric, families sorted by name.
  std::string render_prometheus() const;

private:
  struct family;
  family& family_for(const std::string& name, const std::string& help, int kind);
  mutable std::mutex mtx_;
  std::map<std::string, std::unique_ptr<family>> families_;
};

} // namespace troupe::metrics
