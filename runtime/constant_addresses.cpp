#include "constant_addresses.hpp"

#include <link.h>

#include <cstring>
#include <string>

namespace ppp2p::detail {
namespace {

std::vector<std::uint8_t> build_id_of(const dl_phdr_info& module) {
  for (int i = 0; i < module.dlpi_phnum; ++i) {
    const ElfW(Phdr)& header = module.dlpi_phdr[i];
    if (header.p_type != PT_NOTE)
      continue;
    auto* note = reinterpret_cast<const std::uint8_t*>(module.dlpi_addr + header.p_vaddr);
    const std::uint8_t* end = note + header.p_memsz;
    while (note + sizeof(ElfW(Nhdr)) <= end) {
      ElfW(Nhdr) entry;
      std::memcpy(&entry, note, sizeof entry);
      const std::uint8_t* name = note + sizeof entry;
      const std::uint8_t* desc = name + ((entry.n_namesz + 3) & ~3u);
      if (desc + entry.n_descsz > end)
        break;
      if (entry.n_type == NT_GNU_BUILD_ID && entry.n_namesz == 4 &&
          std::memcmp(name, "GNU", 4) == 0)
        return {desc, desc + entry.n_descsz};
      note = desc + ((entry.n_descsz + 3) & ~3u);
    }
  }
  return {};
}

enum class Protection { none, read_only, writable };

/// How `offset` (from the module's load address) is mapped in `module`.
Protection protection_at(const dl_phdr_info& module, std::uint64_t offset) {
  Protection found = Protection::none;
  for (int i = 0; i < module.dlpi_phnum; ++i) {
    const ElfW(Phdr)& header = module.dlpi_phdr[i];
    if (offset < header.p_vaddr || offset >= header.p_vaddr + header.p_memsz)
      continue;
    if (header.p_type == PT_GNU_RELRO)
      return Protection::read_only;
    if (header.p_type == PT_LOAD)
      found = header.p_flags & PF_W ? Protection::writable : Protection::read_only;
  }
  return found;
}

struct Search {
  std::uintptr_t address;
  // locate: the module holding `address`; resolve: the module with `build_id`.
  const std::vector<std::uint8_t>* build_id = nullptr;
  std::uint64_t offset = 0;
  Protection protection = Protection::none;
  std::vector<std::uint8_t> found_id;
  std::string module_name;
  bool found = false;
};

int locate_in(dl_phdr_info* module, std::size_t, void* data) {
  auto& search = *static_cast<Search*>(data);
  if (search.address < module->dlpi_addr)
    return 0;
  std::uint64_t offset = search.address - module->dlpi_addr;
  Protection protection = protection_at(*module, offset);
  if (protection == Protection::none)
    return 0;
  search.found = true;
  search.offset = offset;
  search.protection = protection;
  search.found_id = build_id_of(*module);
  search.module_name = module->dlpi_name && *module->dlpi_name ? module->dlpi_name : "the program";
  return 1;
}

int resolve_in(dl_phdr_info* module, std::size_t, void* data) {
  auto& search = *static_cast<Search*>(data);
  if (build_id_of(*module) != *search.build_id)
    return 0;
  search.found = protection_at(*module, search.offset) == Protection::read_only;
  search.address = module->dlpi_addr + search.offset;
  return 1;
}

} // namespace

std::optional<ConstantAddress> locate_constant(const void* address, std::string& why) {
  Search search{reinterpret_cast<std::uintptr_t>(address)};
  dl_iterate_phdr(locate_in, &search);
  if (!search.found) {
    why = "into no loaded module (the heap, or a stack of a function that is not checkpointable)";
    return std::nullopt;
  }
  if (search.protection == Protection::writable) {
    why = "into writable memory of " + search.module_name + " (a mutable global variable)";
    return std::nullopt;
  }
  if (search.found_id.empty()) {
    why = "into " + search.module_name + ", which has no build id to find it by elsewhere";
    return std::nullopt;
  }
  return ConstantAddress{std::move(search.found_id), search.offset};
}

const void* resolve_constant(const ConstantAddress& where) {
  Search search{0, &where.build_id, where.offset};
  dl_iterate_phdr(resolve_in, &search);
  return search.found ? reinterpret_cast<const void*>(search.address) : nullptr;
}

void write_constant(Writer& out, const ConstantAddress& where) {
  out.varint(where.build_id.size());
  out.write(where.build_id.data(), where.build_id.size());
  out.varint(where.offset);
}

const void* read_constant(Reader& in) {
  ConstantAddress where;
  std::uint64_t length = in.varint();
  if (length == 0 || length > 64)
    in.fail("a module build id of " + std::to_string(length) + " bytes");
  where.build_id.resize(std::size_t(length));
  in.read(where.build_id.data(), where.build_id.size());
  where.offset = in.varint();
  const void* address = resolve_constant(where);
  if (!address) {
    static const char digits[] = "0123456789abcdef";
    std::string id;
    for (std::uint8_t b : where.build_id)
      id += {digits[b >> 4], digits[b & 15]};
    in.fail("a pointer into read-only memory of the module with build id " + id + " at offset " +
            std::to_string(where.offset) +
            ", which this process has not loaded (another build of the program?)");
  }
  return address;
}

} // namespace ppp2p::detail
