// Latency samples for benchmarks: percentiles and a JSON-line rendering.
#pragma once

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace troupe::cli {

class latency_samples {
public:
  void reserve(size_t n) { us_.reserve(n); }
  void add_us(double us) { us_.push_back(us); sorted_ = false; }
  size_t count() const { return us_.size(); }
  void merge(const latency_samples& other) {
    us_.insert(us_.end(), other.us_.begin(), other.us_.end());
    sorted_ = false;
  }

  /// q in [0, 1]; nearest-rank percentile in microseconds.
  double percentile(double q) {
    if (us_.empty())
      return 0;
    if (!sorted_) {
      std::sort(us_.begin(), us_.end());
      sorted_ = true;
    }
    auto rank = static_cast<size_t>(q * static_cast<double>(us_.size() - 1) + 0.5);
    return us_[std::min(rank, us_.size() - 1)];
  }

private:
  std::vector<double> us_;
  bool sorted_ = true;
};

inline std::string fixed(double v, int digits = 1) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

} // namespace troupe::cli
