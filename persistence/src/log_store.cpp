// log_store: the acceptor's durable state laid out on a kv_store. See the
// header for the key layout.
#include "troupe/persistence/log_store.hpp"

#include <climits>
#include <cstdio>
#include <limits>

namespace troupe::persistence {

namespace {

constexpr std::string_view membership_key = "m";
constexpr std::string_view hard_state_key = "h";
constexpr std::string_view snapshot_key = "s";
constexpr std::string_view snapshot_file_key = "f";
constexpr std::string_view legacy_snapshot_data_key = "d";
constexpr char entry_prefix = 'e';
constexpr size_t entry_key_size = 9;
// Upper bound of the entry key range: every "e"+8 bytes sorts below "f".
constexpr std::string_view entries_end = "f";

// Ranges wider than this are deleted by scanning for the keys that exist
// rather than by one blind delete per index: a caller may pass a loose upper
// bound (up to UINT64_MAX), which must not turn into billions of deletes.
constexpr uint64_t blind_delete_limit = 4096;

// Entry keys built on the stack: write() makes hundreds per call and the
// batch copies the key anyway, so a std::string per key would be waste.
struct entry_key_buf {
  char bytes[entry_key_size];
  explicit entry_key_buf(uint64_t index) {
    bytes[0] = entry_prefix;
    for (size_t i = 0; i < 8; ++i)
      bytes[1 + i] = static_cast<char>((index >> (8 * (7 - i))) & 0xff);
  }
  std::string_view view() const { return {bytes, entry_key_size}; }
};

bool is_entry_key(std::string_view key) {
  return key.size() == entry_key_size && key[0] == entry_prefix;
}

uint64_t entry_key_index(std::string_view key) {
  uint64_t index = 0;
  for (size_t i = 1; i < entry_key_size; ++i)
    index = (index << 8) | static_cast<unsigned char>(key[i]);
  return index;
}

// A key as an operator can read it on one line: entry keys by their index,
// anything else with non-printable bytes escaped.
std::string describe_key(std::string_view key) {
  if (is_entry_key(key))
    return "'e'+be64(" + std::to_string(entry_key_index(key)) + ")";
  std::string out = "'";
  for (char c : key) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f && c != '\\' && c != '\'') {
      out += c;
    } else {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    }
  }
  return out + "'";
}

template <class Message>
void decode(std::string_view key, std::string_view value, Message& out) {
  if (value.size() > static_cast<size_t>(INT_MAX)
      || !out.ParseFromArray(value.data(), static_cast<int>(value.size())))
    throw storage_error("log store: undecodable " + out.GetTypeName() + " under key "
                        + describe_key(key));
}

// Serializes through a reused buffer so that only the batch's own copy
// allocates.
template <class Message>
void put_message(write_batch& batch, std::string_view key, const Message& msg,
                 std::string& scratch) {
  msg.SerializeToString(&scratch);
  batch.put(key, scratch);
}

// Deletes the entry keys that exist in [first, last) (last empty: no bound).
void delete_existing_entries(const kv_store& store, write_batch& batch,
                             std::string_view first, std::string_view last) {
  store.scan(first, last, [&](std::string_view key, std::string_view) {
    batch.del(key);
    return true;
  });
}

// Deletes entries [from, to]: blindly when the range is short (no read
// needed), else the keys that exist in it.
void delete_entries(const kv_store& store, write_batch& batch, uint64_t from, uint64_t to) {
  if (from > to)
    return;
  if (to - from < blind_delete_limit) {
    for (uint64_t i = from;; ++i) {
      batch.del(entry_key_buf{i}.view());
      if (i == to)
        break;
    }
    return;
  }
  std::string last = to == std::numeric_limits<uint64_t>::max()
                       ? std::string{entries_end}
                       : std::string{entry_key_buf{to + 1}.view()};
  delete_existing_entries(store, batch, entry_key_buf{from}.view(), last);
}

} // namespace

log_store::log_store(kv_store& store) : store_(store) {}

std::string log_store::entry_key(uint64_t index) {
  return std::string{entry_key_buf{index}.view()};
}

log_store::contents log_store::load() const {
  contents out;
  store_.scan({}, {}, [&](std::string_view key, std::string_view value) {
    if (is_entry_key(key)) {
      auto& entry = out.entries.emplace_back();
      decode(key, value, entry);
      if (entry.index() != entry_key_index(key))
        throw storage_error("log store: key " + describe_key(key)
                            + " holds entry index " + std::to_string(entry.index()));
      // Keys are big-endian, so the scan yields entries in index order.
      if (out.entries.size() > 1) {
        uint64_t prev = out.entries[out.entries.size() - 2].index();
        if (entry.index() != prev + 1)
          throw storage_error("log store: entries not consecutive: "
                              + std::to_string(prev) + " is followed by "
                              + std::to_string(entry.index()));
      }
    } else if (key == membership_key) {
      decode(key, value, out.membership.emplace());
    } else if (key == hard_state_key) {
      decode(key, value, out.hard_state);
    } else if (key == snapshot_key) {
      decode(key, value, out.snapshot);
    } else if (key == snapshot_file_key) {
      decode(key, value, out.snapshot_file.emplace());
    } else if (key != legacy_snapshot_data_key) {
      // Opening some other component's store as a log must fail loudly,
      // not yield an empty log that would vote and accept as if new.
      throw storage_error("log store: unknown key " + describe_key(key)
                          + "; this is not a replicated-log store");
    }
    return true;
  });
  // "s" sorts after the entries, so the overlap check waits for the scan.
  // Without "s" the snapshot index is 0, which also rejects an entry 0.
  if (!out.entries.empty() && out.entries.front().index() <= out.snapshot.index())
    throw storage_error("log store: entry " + std::to_string(out.entries.front().index())
                        + " overlaps the snapshot through "
                        + std::to_string(out.snapshot.index()));
  // The log continues the snapshot: a hole would shift every index.
  if (!out.entries.empty() && out.entries.front().index() != out.snapshot.index() + 1)
    throw storage_error("log store: entries start at " + std::to_string(out.entries.front().index())
                        + " but the snapshot ends at " + std::to_string(out.snapshot.index()));
  return out;
}

std::optional<std::string> log_store::legacy_snapshot_data() const {
  return store_.get(legacy_snapshot_data_key);
}

std::vector<std::string> log_store::recover_snapshot_files(snapshot_store& files) {
  auto c = load();
  if (c.snapshot.index() > 0 && !c.snapshot_file) {
    if (auto legacy = legacy_snapshot_data()) {
      change move;
      move.snapshot = c.snapshot;
      move.snapshot_file = files.write(c.snapshot, *legacy);
      write(move, true);
      c.snapshot_file = move.snapshot_file;
    }
  }
  auto removed = files.clean(c.snapshot_file ? c.snapshot_file->name() : std::string{});
  if (c.snapshot.index() > 0 && !c.snapshot_file)
    throw storage_error("log store: the snapshot through " + std::to_string(c.snapshot.index())
                        + " has no snapshot file");
  if (c.snapshot_file)
    files.verify(*c.snapshot_file, c.snapshot);
  return removed;
}

void log_store::write(const change& c, bool sync) {
  write_batch batch;
  std::string scratch;
  if (c.membership)
    put_message(batch, membership_key, *c.membership, scratch);
  if (c.hard_state)
    put_message(batch, hard_state_key, *c.hard_state, scratch);
  if (c.truncate)
    delete_entries(store_, batch, c.truncate->first, c.truncate->second);
  if (c.compact_through) {
    if (c.compact_from != 0) {
      delete_entries(store_, batch, c.compact_from, *c.compact_through);
    } else {
      // The first index is not known here, so find the keys that exist.
      std::string last = *c.compact_through == std::numeric_limits<uint64_t>::max()
                           ? std::string{entries_end}
                           : entry_key(*c.compact_through + 1);
      delete_existing_entries(store_, batch, std::string_view{&entry_prefix, 1}, last);
    }
  }
  if (c.snapshot) {
    put_message(batch, snapshot_key, *c.snapshot, scratch);
    put_message(batch, snapshot_file_key, c.snapshot_file, scratch);
    batch.del(legacy_snapshot_data_key);
  }
  uint64_t payload = 0;
  for (const auto& e : c.entries) {
    put_message(batch, entry_key_buf{e.index()}.view(), e, scratch);
    payload += e.data().size();
  }
  if (batch.empty()) {
    // Nothing changed, but a caller asking for sync still expects earlier
    // unsynced writes to be durable on return.
    if (sync)
      store_.sync();
    return;
  }
  store_.write(batch, sync);
  // Counted only once the write succeeded (write throws on failure).
  bytes_written_ += payload;
}

} // namespace troupe::persistence
