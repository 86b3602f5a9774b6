// The shared counter recipe (counter.hpp).
#include "troupe/keeper/recipes/counter.hpp"

#include <stdexcept>

#include "common.hpp"
#include "troupe/keeper/paths.hpp"

namespace troupe::keeper::recipes {

using namespace detail;

namespace {

int64_t parse(const std::string& text, const std::string& path) {
  if (text.empty())
    return 0;
  try {
    size_t used = 0;
    auto v = std::stoll(text, &used);
    if (used == text.size())
      return v;
  } catch (const std::exception&) {
  }
  throw std::runtime_error("the node " + path + " does not hold a counter: '" + text + "'");
}

} // namespace

shared_counter::shared_counter(client& c, std::string path, int64_t initial) : c_(c), path_(std::move(path)) {
  if (!validate_path(path_) || path_ == "/")
    throw keeper_error(error::bad_arguments, path_);
  check_session(c_, path_);
  auto parent = std::string{parent_path(path_)};
  auto give_up = steady::now() + std::chrono::seconds(30);
  for (;;) {
    try {
      c_.create(path_, std::to_string(initial), create_mode::persistent);
      return;
    } catch (const keeper_error& e) {
      check_session(c_, path_);
      if (e.code() == error::node_exists)
        return; // there already (or our earlier attempt's answer was lost)
      if (e.code() == error::no_node)
        ensure_path(c_, parent);
      else if (!transient(e.code()) || steady::now() > give_up)
        throw;
      else
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

int64_t shared_counter::get() {
  check_session(c_, path_);
  return parse(retrying(c_, path_, [&] { return c_.get(path_); }), path_);
}

bool shared_counter::try_set(int64_t value, int32_t version) {
  auto text = std::to_string(value);
  try {
    c_.set(path_, text, version);
    return true;
  } catch (const keeper_error& e) {
    check_session(c_, path_);
    if (e.code() == error::bad_version)
      return false;
    if (!transient(e.code()))
      throw;
  }
  // Unknown outcome: look (after a sync, so our set, if queued, is in).
  sync_quietly(c_, path_);
  stat st;
  auto now = retrying(c_, path_, [&] { return c_.get(path_, &st); });
  return st.version == version + 1 && now == text;
}

int64_t shared_counter::add(int64_t delta) {
  check_session(c_, path_);
  for (;;) {
    stat st;
    auto v = parse(retrying(c_, path_, [&] { return c_.get(path_, &st); }), path_);
    if (try_set(v + delta, st.version))
      return v + delta;
  }
}

bool shared_counter::compare_and_set(int64_t expected, int64_t value) {
  check_session(c_, path_);
  for (;;) {
    stat st;
    auto v = parse(retrying(c_, path_, [&] { return c_.get(path_, &st); }), path_);
    if (v != expected)
      return false;
    if (try_set(value, st.version))
      return true;
  }
}

} // namespace troupe::keeper::recipes
