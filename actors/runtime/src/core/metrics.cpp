// Metrics: lock-free updates, registry with Prometheus text exposition.
#include "troupe/runtime/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace troupe::metrics {

namespace {

enum kind : int { kind_counter = 0, kind_gauge = 1, kind_histogram = 2 };

const char* kind_name(int k) {
  switch (k) {
    case kind_counter: return "counter";
    case kind_gauge: return "gauge";
    default: return "histogram";
  }
}

// std::atomic<double> has no fetch_add before C++20.
void atomic_add(std::atomic<double>& a, double v) {
  double cur = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed,
                                  std::memory_order_relaxed)) {
  }
}

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

void validate_metric_name(const std::string& name) {
  bool ok = !name.empty();
  for (size_t i = 0; ok && i < name.size(); ++i) {
    char c = name[i];
    ok = is_alpha(c) || c == '_' || c == ':' || (i > 0 && is_digit(c));
  }
  if (!ok)
    throw std::invalid_argument("invalid metric name: '" + name + "'");
}

void validate_label_name(const std::string& name) {
  bool ok = !name.empty() && name.compare(0, 2, "__") != 0;
  for (size_t i = 0; ok && i < name.size(); ++i) {
    char c = name[i];
    ok = is_alpha(c) || c == '_' || (i > 0 && is_digit(c));
  }
  if (!ok)
    throw std::invalid_argument("invalid label name: '" + name + "'");
}

// Sorted by key so {a,b} and {b,a} name the same child.
labels normalize(const labels& lbls, int k) {
  labels out = lbls;
  std::sort(out.begin(), out.end());
  for (size_t i = 0; i < out.size(); ++i) {
    validate_label_name(out[i].first);
    if (i > 0 && out[i].first == out[i - 1].first)
      throw std::invalid_argument("duplicate label name: '" + out[i].first + "'");
    if (k == kind_histogram && out[i].first == "le")
      throw std::invalid_argument("label 'le' is reserved for histogram buckets");
  }
  return out;
}

// Shortest text that parses back to the same double; integers stay plain
// (no exponent) while exactly representable.
std::string format_double(double v) {
  if (std::isnan(v))
    return "NaN";
  if (std::isinf(v))
    return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 9007199254740992.0) // 2^53
    return std::to_string(static_cast<int64_t>(v));
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, res.ptr);
}

void append_escaped(std::string& out, const std::string& s, bool quotes) {
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (quotes && c == '"')
      out += "\\\"";
    else
      out += c;
  }
}

// Renders `{k="v",...,extra_k="extra_v"}`, or nothing when there are no labels.
std::string label_text(const labels& lbls, const char* extra_key = nullptr,
                       const std::string& extra_value = {}) {
  if (lbls.empty() && extra_key == nullptr)
    return {};
  std::string out = "{";
  bool first = true;
  auto add = [&](const std::string& k, const std::string& v) {
    if (!first)
      out += ',';
    first = false;
    out += k;
    out += "=\"";
    append_escaped(out, v, true);
    out += '"';
  };
  for (const auto& [k, v] : lbls)
    add(k, v);
  if (extra_key != nullptr)
    add(extra_key, extra_value);
  out += '}';
  return out;
}

} // namespace

// ---------------------------------------------------------------- gauge

void gauge::add(double v) { atomic_add(value_, v); }

// ---------------------------------------------------------------- histogram

histogram::histogram(std::vector<double> bounds) : bounds_(std::move(bounds)) {
  // An explicit +Inf duplicates the implicit bucket.
  if (!bounds_.empty() && std::isinf(bounds_.back()) && bounds_.back() > 0)
    bounds_.pop_back();
  for (size_t i = 0; i < bounds_.size(); ++i) {
    if (std::isnan(bounds_[i]) || (i > 0 && !(bounds_[i - 1] < bounds_[i])))
      throw std::invalid_argument("histogram bounds must be strictly ascending");
  }
  counts_ = std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1);
  for (size_t i = 0; i <= bounds_.size(); ++i)
    counts_[i].store(0, std::memory_order_relaxed);
}

void histogram::observe(double v) {
  // A NaN would poison the sum forever; drop it.
  if (std::isnan(v))
    return;
  // First bound >= v: `le` semantics, a value equal to a bound belongs to it.
  auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);
  auto idx = static_cast<size_t>(it - bounds_.begin());
  counts_[idx].fetch_add(1, std::memory_order_relaxed);
  atomic_add(sum_, v);
  count_.fetch_add(1, std::memory_order_relaxed);
}

histogram::snapshot histogram::read() const {
  snapshot s;
  s.bounds = bounds_;
  s.counts.resize(bounds_.size() + 1);
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    s.counts[i] = counts_[i].load(std::memory_order_relaxed);
    // Derive the count from the buckets so the +Inf bucket always equals
    // count, even while observations race with the read.
    s.count += s.counts[i];
  }
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

double histogram::snapshot::quantile(double q) const {
  if (count == 0)
    return 0;
  if (!(q >= 0))
    q = 0;
  if (q > 1)
    q = 1;
  const double rank = q * static_cast<double>(count);
  uint64_t before = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (counts[i] == 0)
      continue;
    if (static_cast<double>(before + counts[i]) >= rank) {
      if (i >= bounds.size()) // +Inf bucket: best we can say is the top bound
        return bounds.empty() ? 0 : bounds.back();
      const double upper = bounds[i];
      const double lower = i == 0 ? 0 : bounds[i - 1];
      if (i == 0 && upper <= 0)
        return upper;
      const double frac = (rank - static_cast<double>(before)) / static_cast<double>(counts[i]);
      return lower + (upper - lower) * frac;
    }
    before += counts[i];
  }
  return bounds.empty() ? 0 : bounds.back();
}

std::vector<double> histogram::exponential(double start, double factor, size_t n) {
  if (!(start > 0) || !(factor > 1))
    throw std::invalid_argument("exponential bounds need start > 0 and factor > 1");
  std::vector<double> out;
  out.reserve(n);
  // Repeated multiplication (not pow) so factor 2 stays exact.
  double b = start;
  for (size_t i = 0; i < n; ++i, b *= factor)
    out.push_back(b);
  return out;
}

std::vector<double> histogram::latency_seconds() {
  return exponential(1e-5, 2, 21); // 10 µs .. 10.49 s
}

// ---------------------------------------------------------------- registry

struct registry::family {
  int kind = kind_counter;
  std::string help;
  // Only the map matching `kind` is used; unique_ptr keeps references stable.
  std::map<labels, std::unique_ptr<counter>> counters;
  std::map<labels, std::unique_ptr<gauge>> gauges;
  std::map<labels, std::unique_ptr<histogram>> histograms;
};

registry::registry() = default;
registry::~registry() = default;

registry::family& registry::family_for(const std::string& name, const std::string& help,
                                       int k) {
  auto it = families_.find(name);
  if (it != families_.end()) {
    if (it->second->kind != k)
      throw std::invalid_argument("metric '" + name + "' already registered as " +
                                  kind_name(it->second->kind) + ", not " + kind_name(k));
    return *it->second;
  }
  auto fam = std::make_unique<family>();
  fam->kind = k;
  fam->help = help;
  return *families_.emplace(name, std::move(fam)).first->second;
}

counter& registry::get_counter(const std::string& name, const std::string& help,
                               const labels& lbls) {
  validate_metric_name(name);
  auto key = normalize(lbls, kind_counter);
  std::lock_guard<std::mutex> guard(mtx_);
  auto& slot = family_for(name, help, kind_counter).counters[std::move(key)];
  if (!slot)
    slot = std::make_unique<counter>();
  return *slot;
}

gauge& registry::get_gauge(const std::string& name, const std::string& help,
                           const labels& lbls) {
  validate_metric_name(name);
  auto key = normalize(lbls, kind_gauge);
  std::lock_guard<std::mutex> guard(mtx_);
  auto& slot = family_for(name, help, kind_gauge).gauges[std::move(key)];
  if (!slot)
    slot = std::make_unique<gauge>();
  return *slot;
}

histogram& registry::get_histogram(const std::string& name, const std::string& help,
                                   const labels& lbls, std::vector<double> bounds) {
  validate_metric_name(name);
  auto key = normalize(lbls, kind_histogram);
  std::lock_guard<std::mutex> guard(mtx_);
  auto& fam = family_for(name, help, kind_histogram);
  auto it = fam.histograms.find(key);
  if (it != fam.histograms.end())
    return *it->second; // an existing child keeps its original bounds
  // Construct before inserting so invalid bounds leave no empty slot behind.
  auto h = std::make_unique<histogram>(std::move(bounds));
  return *fam.histograms.emplace(std::move(key), std::move(h)).first->second;
}

std::string registry::render_prometheus() const {
  std::lock_guard<std::mutex> guard(mtx_);
  std::string out;
  for (const auto& [name, fam] : families_) {
    if (fam->counters.empty() && fam->gauges.empty() && fam->histograms.empty())
      continue;
    out += "# HELP " + name + ' ';
    append_escaped(out, fam->help, false);
    out += "\n# TYPE " + name + ' ' + kind_name(fam->kind) + '\n';
    for (const auto& [lbls, c] : fam->counters)
      out += name + label_text(lbls) + ' ' + std::to_string(c->value()) + '\n';
    for (const auto& [lbls, g] : fam->gauges)
      out += name + label_text(lbls) + ' ' + format_double(g->value()) + '\n';
    for (const auto& [lbls, h] : fam->histograms) {
      auto s = h->read();
      uint64_t cumulative = 0;
      for (size_t i = 0; i < s.counts.size(); ++i) {
        cumulative += s.counts[i];
        std::string le = i < s.bounds.size() ? format_double(s.bounds[i]) : "+Inf";
        out += name + "_bucket" + label_text(lbls, "le", le) + ' ' +
               std::to_string(cumulative) + '\n';
      }
      out += name + "_sum" + label_text(lbls) + ' ' + format_double(s.sum) + '\n';
      out += name + "_count" + label_text(lbls) + ' ' + std::to_string(s.count) + '\n';
    }
  }
  return out;
}

} // namespace troupe::metrics
