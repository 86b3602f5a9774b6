// Structured, levelled logging shared by every role and daemon.
//
// One line per event:  <time> <LEVEL> [<node>] <component>: <message> k=v k="v w"
// Time is wall-clock UTC in production and virtual time in the simulation
// (set_clock). Thread-safe; lines are written whole.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace troupe::log {

enum class level : uint8_t { trace, debug, info, warn, error, off };

/// "trace", "debug", "info", "warn"/"warning", "error", "off" (any case).
std::optional<level> parse_level(std::string_view text);
std::string_view level_name(level l);

/// One key=value pair of a log line.
struct field {
  std::string_view key;
  std::string value;

  field(std::string_view k, std::string v) : key(k), value(std::move(v)) {}
  field(std::string_view k, std::string_view v) : key(k), value(v) {}
  field(std::string_view k, const char* v) : key(k), value(v) {}
  template <class T, class = std::enable_if_t<std::is_arithmetic<T>::value>>
  field(std::string_view k, T v) : key(k), value(format_number(v)) {}

private:
  template <class T>
  static std::string format_number(T v) {
    if constexpr (std::is_same<T, bool>::value)
      return v ? "true" : "false";
    else
      return std::to_string(v);
  }
};

using fields = std::initializer_list<field>;

/// Process-wide settings of the log.
void set_level(level threshold);
level threshold();
inline bool enabled(level l) { return l >= threshold() && l != level::off; }

/// Replaces the time source (nanoseconds since the epoch); nullptr restores
/// the wall clock. The simulation installs its virtual clock.
void set_clock(std::function<int64_t()> now_ns);

/// Replaces where lines go (default: stderr); nullptr restores stderr.
void set_sink(std::function<void(std::string_view line)> sink);

/// Formats and writes one line if `l` is enabled.
void write(level l, std::string_view node, std::string_view component,
           std::string_view message, fields kv = {});

/// Formats one line without writing it (used by write; exposed for tests).
std::string format_line(int64_t time_ns, level l, std::string_view node,
                        std::string_view component, std::string_view message,
                        fields kv);

/// A named source of log lines: the node and component it speaks for.
class logger {
public:
  logger() = default;
  logger(std::string node, std::string component)
    : node_(std::move(node)), component_(std::move(component)) {}

  void trace(std::string_view msg, fields kv = {}) const { emit(level::trace, msg, kv); }
  void debug(std::string_view msg, fields kv = {}) const { emit(level::debug, msg, kv); }
  void info(std::string_view msg, fields kv = {}) const { emit(level::info, msg, kv); }
  void warn(std::string_view msg, fields kv = {}) const { emit(level::warn, msg, kv); }
  void error(std::string_view msg, fields kv = {}) const { emit(level::error, msg, kv); }

  const std::string& node() const { return node_; }
  const std::string& component() const { return component_; }

private:
  void emit(level l, std::string_view msg, fields kv) const {
    if (enabled(l))
      write(l, node_, component_, msg, kv);
  }

  std::string node_;
  std::string component_;
};

} // namespace troupe::log
