#include "frame_encoding.hpp"
#include "function_registry.hpp"
#include "snapshot_format.hpp"

#include <ppp2p/codec.hpp>
#include <ppp2p/snapshot.hpp>

namespace ppp2p {

Snapshot Snapshot::from_bytes(std::span<const std::byte> bytes) {
  // Copy first: the body must be aligned for the FlatBuffers verifier.
  std::vector<std::byte> copy(bytes.begin(), bytes.end());
  detail::decode_snapshot(copy);
  return adopt_validated(std::move(copy));
}

Snapshot Snapshot::adopt_validated(std::vector<std::byte> bytes) {
  Snapshot s;
  s.bytes_ = std::move(bytes);
  return s;
}

std::size_t Snapshot::frame_count() const {
  return detail::decode_snapshot(bytes_).frame_count;
}

std::string Snapshot::root_function() const {
  detail::SnapshotContents contents = detail::decode_snapshot(bytes_);
  Reader in(contents.frames);
  std::uint64_t index = in.varint();
  if (index >= contents.functions.size())
    throw snapshot_error(errc::snapshot_malformed, "root frame names an unknown function");
  return contents.functions[index].name;
}

std::string Snapshot::describe() const {
  detail::SnapshotContents contents = detail::decode_snapshot(bytes_);
  std::string out = std::to_string(contents.frame_count) + " frame(s), " +
                    std::to_string(bytes_.size()) + " bytes\n";
  try {
    // Frame boundaries are known only through this program's descriptors.
    detail::RestoreState plan = detail::plan_restore(contents, contents.root_return_type.c_str());
    for (std::size_t i = 0; i < plan.frames.size(); ++i) {
      const detail::RestoreFrame& f = plan.frames[i];
      const detail::SiteDescriptor& site = f.function->sites[f.site];
      out += "  #" + std::to_string(i) + " " + f.function->display_name + " at " +
             f.function->file + ":" + std::to_string(site.line) + ":" +
             std::to_string(site.column) + " (" + std::to_string(f.end - f.payload) +
             " bytes of state)\n";
    }
  } catch (const snapshot_error& e) {
    for (const detail::FunctionRef& f : contents.functions)
      out += "  function " + f.name + "\n";
    out += std::string("  (frames not decodable here: ") + e.what() + ")\n";
  }
  return out;
}

} // namespace ppp2p
