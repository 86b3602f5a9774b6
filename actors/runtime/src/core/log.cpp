// Structured logging: line formatting, level threshold, pluggable clock/sink.
#include "troupe/runtime/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <utility>

namespace troupe::log {

namespace {

// Constant-initialised, so loggers used during static initialisation of other
// translation units still see a valid threshold.
std::atomic<level> g_threshold{level::info};

int64_t wall_clock_ns() {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
}

void stderr_sink(std::string_view line) {
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

// Clock and sink share one mutex: reading the time and writing under the same
// lock keeps timestamps monotonic in the output. Function-local static avoids
// initialisation-order problems.
struct output_state {
  std::mutex mtx;
  std::function<int64_t()> clock = wall_clock_ns;
  std::function<void(std::string_view)> sink = stderr_sink;
};

output_state& state() {
  static output_state s;
  return s;
}

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

std::string_view upper_name(level l) {
  switch (l) {
    case level::trace: return "TRACE";
    case level::debug: return "DEBUG";
    case level::info: return "INFO ";
    case level::warn: return "WARN ";
    case level::error: return "ERROR";
    case level::off: return "OFF  ";
  }
  return "?????";
}

bool is_control(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

// Escapes control characters so one event can never span several lines.
void append_escaped_char(std::string& out, char c) {
  switch (c) {
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    default: break;
  }
  if (is_control(c)) {
    static constexpr char hex[] = "0123456789abcdef";
    auto u = static_cast<unsigned char>(c);
    out += "\\x";
    out += hex[u >> 4];
    out += hex[u & 0xf];
  } else {
    out += c;
  }
}

// Free text (message, node, component): verbatim except control characters.
void append_text(std::string& out, std::string_view s) {
  for (char c : s)
    append_escaped_char(out, c);
}

bool needs_quotes(std::string_view v) {
  if (v.empty())
    return true;
  for (char c : v)
    if (c == ' ' || c == '=' || c == '"' || is_control(c))
      return true;
  return false;
}

void append_value(std::string& out, std::string_view v) {
  if (!needs_quotes(v)) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else {
      append_escaped_char(out, c);
    }
  }
  out += '"';
}

// Days since 1970-01-01 to civil date (Howard Hinnant's algorithm); avoids
// gmtime and its thread-safety and portability caveats.
void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
}

// Floor division, so instants before the epoch still format correctly.
int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0)))
    --q;
  return q;
}

void append_time(std::string& out, int64_t time_ns) {
  const int64_t micros = floor_div(time_ns, 1000);
  const int64_t secs = floor_div(micros, 1000000);
  const int64_t frac = micros - secs * 1000000;
  const int64_t days = floor_div(secs, 86400);
  const int64_t sod = secs - days * 86400;
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02d:%02d:%02d.%06lldZ",
                        static_cast<long long>(y), m, d, static_cast<int>(sod / 3600),
                        static_cast<int>(sod / 60 % 60), static_cast<int>(sod % 60),
                        static_cast<long long>(frac));
  if (n > 0)
    out.append(buf, static_cast<size_t>(n) < sizeof(buf) ? static_cast<size_t>(n)
                                                         : sizeof(buf) - 1);
}

} // namespace

std::optional<level> parse_level(std::string_view text) {
  std::string lower;
  lower.reserve(text.size());
  for (char c : text)
    lower += ascii_lower(c);
  if (lower == "trace") return level::trace;
  if (lower == "debug") return level::debug;
  if (lower == "info") return level::info;
  if (lower == "warn" || lower == "warning") return level::warn;
  if (lower == "error") return level::error;
  if (lower == "off") return level::off;
  return std::nullopt;
}

std::string_view level_name(level l) {
  switch (l) {
    case level::trace: return "trace";
    case level::debug: return "debug";
    case level::info: return "info";
    case level::warn: return "warn";
    case level::error: return "error";
    case level::off: return "off";
  }
  return "unknown";
}

void set_level(level t) { g_threshold.store(t, std::memory_order_relaxed); }

level threshold() { return g_threshold.load(std::memory_order_relaxed); }

void set_clock(std::function<int64_t()> now_ns) {
  auto& s = state();
  std::lock_guard<std::mutex> guard(s.mtx);
  s.clock = now_ns ? std::move(now_ns) : std::function<int64_t()>(wall_clock_ns);
}

void set_sink(std::function<void(std::string_view line)> sink) {
  auto& s = state();
  std::lock_guard<std::mutex> guard(s.mtx);
  s.sink = sink ? std::move(sink) : std::function<void(std::string_view)>(stderr_sink);
}

std::string format_line(int64_t time_ns, level l, std::string_view node,
                        std::string_view component, std::string_view message,
                        fields kv) {
  std::string out;
  out.reserve(64 + message.size() + kv.size() * 16);
  append_time(out, time_ns);
  out += ' ';
  out += upper_name(l);
  out += ' ';
  if (!node.empty()) {
    out += '[';
    append_text(out, node);
    out += "] ";
  }
  if (!component.empty()) {
    append_text(out, component);
    out += ": ";
  }
  append_text(out, message);
  for (const auto& f : kv) {
    out += ' ';
    append_text(out, f.key);
    out += '=';
    append_value(out, f.value);
  }
  return out;
}

void write(level l, std::string_view node, std::string_view component,
           std::string_view message, fields kv) {
  if (!enabled(l))
    return;
  auto& s = state();
  // The sink runs under the lock so concurrent lines never interleave; a sink
  // must therefore not log itself.
  std::lock_guard<std::mutex> guard(s.mtx);
  std::string line = format_line(s.clock(), l, node, component, message, kv);
  line += '\n';
  s.sink(line);
}

} // namespace troupe::log
