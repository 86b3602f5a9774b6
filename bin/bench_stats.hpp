// Latency samples for benchmarks: percentiles, and the JSON result lines.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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

/// A benchmark's result line: fields in the order they are set (the field
/// names are an interface: docs/benchmarks.md).
using result_line = nlohmann::ordered_json;

/// `v` rounded to `digits` decimals for a result line; an integer when
/// `digits` is 0.
inline result_line rounded(double v, int digits = 1) {
  if (digits == 0)
    return std::llround(v);
  auto scale = std::pow(10.0, digits);
  return std::round(v * scale) / scale;
}

/// Prints `line` as one line of JSON on stdout, flushed at once (a run that
/// is stopped midway keeps the lines so far).
inline void print_result(const result_line& line) { std::cout << line.dump() << std::endl; }

} // namespace troupe::cli
