// snapshot_store: the file format (header, names) and the checks shared by
// the directory and the in-memory store.
#include "troupe/persistence/snapshot_store.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "troupe/persistence/checksum.hpp"

namespace troupe::persistence {

namespace {

constexpr char magic[8] = {'T', 'R', 'P', 'S', 'N', 'A', 'P', '1'};
// verify() and read_all() go through a file this much at a time.
constexpr size_t verify_piece = 1u << 20;

void put64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    out += static_cast<char>((v >> (8 * i)) & 0xff);
}

void put32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out += static_cast<char>((v >> (8 * i)) & 0xff);
}

// Little-endian, `bytes` wide.
uint64_t get_le(std::string_view in, size_t at, size_t bytes) {
  uint64_t v = 0;
  for (size_t i = bytes; i-- > 0;)
    v = (v << 8) | static_cast<unsigned char>(in[at + i]);
  return v;
}

uint64_t get64(std::string_view in, size_t at) { return get_le(in, at, 8); }
uint32_t get32(std::string_view in, size_t at) { return static_cast<uint32_t>(get_le(in, at, 4)); }

bool is_snapshot_name(const std::string& name, uint64_t& seq) {
  unsigned long long index = 0, epoch = 0, s = 0;
  int used = 0;
  if (std::sscanf(name.c_str(), "snapshot-%llu-%llu-%llu.snap%n", &index, &epoch, &s, &used) != 3)
    return false;
  seq = s;
  return true;
}

} // namespace

snapshot_writer::~snapshot_writer() = default;

void snapshot_writer::count(std::string_view bytes) {
  size_ += bytes.size();
  crc_ = crc32(bytes, crc_);
}

snapshot_store::~snapshot_store() = default;

std::string snapshot_header(const wire::SnapshotMeta& meta, uint64_t size, uint32_t crc) {
  std::string h{magic, sizeof magic};
  put64(h, meta.index());
  put64(h, meta.epoch());
  put64(h, meta.zxid());
  put64(h, size);
  put32(h, crc);
  put32(h, crc32(h));
  return h;
}

std::string snapshot_store::next_name(const wire::SnapshotMeta& meta) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "snapshot-%020" PRIu64 "-%" PRIu64 "-%" PRIu64 ".snap", meta.index(),
                meta.epoch(), ++seq_);
  return buf;
}

void snapshot_store::resume_sequence() {
  for (auto& name : list()) {
    uint64_t seq = 0;
    if (is_snapshot_name(name, seq))
      seq_ = std::max(seq_, seq);
  }
}

std::string snapshot_store::read(const wire::SnapshotFile& file, uint64_t offset, size_t max) const {
  if (offset > file.size())
    throw storage_error("snapshot file " + describe(file.name()) + ": read at " + std::to_string(offset)
                        + " beyond its " + std::to_string(file.size()) + " bytes");
  auto want = static_cast<size_t>(std::min<uint64_t>(max, file.size() - offset));
  auto got = read_raw(file.name(), snapshot_header_size + offset, want);
  if (got.size() != want)
    throw storage_error("snapshot file " + describe(file.name()) + " is corrupted: truncated (read "
                        + std::to_string(got.size()) + " of " + std::to_string(want) + " bytes at "
                        + std::to_string(offset) + ")");
  return got;
}

void snapshot_store::verify(const wire::SnapshotFile& file, const wire::SnapshotMeta& meta) const {
  auto where = describe(file.name());
  auto corrupted = [&](const std::string& why) {
    return storage_error("snapshot file " + where + " is corrupted: " + why);
  };
  auto length = raw_size(file.name());
  if (length < 0)
    throw storage_error("snapshot file " + where + " is missing");
  auto expected = snapshot_header_size + file.size();
  if (static_cast<uint64_t>(length) != expected)
    throw corrupted("it has " + std::to_string(length) + " bytes, not " + std::to_string(expected));
  auto h = read_raw(file.name(), 0, snapshot_header_size);
  if (h.size() != snapshot_header_size || std::memcmp(h.data(), magic, sizeof magic) != 0)
    throw corrupted("bad header");
  if (get32(h, 44) != crc32(std::string_view{h}.substr(0, 44)))
    throw corrupted("header checksum mismatch");
  if (get64(h, 8) != meta.index() || get64(h, 16) != meta.epoch() || get64(h, 24) != meta.zxid())
    throw corrupted("it holds the snapshot through " + std::to_string(get64(h, 8)) + " (epoch "
                    + std::to_string(get64(h, 16)) + "), not through " + std::to_string(meta.index())
                    + " (epoch " + std::to_string(meta.epoch()) + ")");
  if (get64(h, 32) != file.size() || get32(h, 40) != file.crc32())
    throw corrupted("its header disagrees with the store about size or checksum");
  uint32_t crc = 0;
  for (uint64_t at = 0; at < file.size(); at += verify_piece)
    crc = crc32(read(file, at, verify_piece), crc);
  if (crc != file.crc32())
    throw corrupted("content checksum mismatch");
}

std::string snapshot_store::read_all(const wire::SnapshotFile& file, const wire::SnapshotMeta& meta) const {
  verify(file, meta);
  std::string out;
  out.reserve(file.size());
  for (uint64_t at = 0; at < file.size(); at += verify_piece)
    out += read(file, at, verify_piece);
  return out;
}

wire::SnapshotFile snapshot_store::write(const wire::SnapshotMeta& meta, std::string_view data) {
  auto w = create(meta);
  w->append(data);
  return w->commit();
}

std::vector<std::string> snapshot_store::clean(const std::string& keep) {
  std::vector<std::string> removed;
  for (auto& name : list())
    if (name != keep) {
      remove(name);
      removed.push_back(name);
    }
  return removed;
}

} // namespace troupe::persistence
