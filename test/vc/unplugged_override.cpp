// Compiled without the plugin: UnpluggedStage::advance is not transformed.
#include "unplugged_override.hpp"

namespace {

class UnpluggedStage : public Stage {
public:
  long advance(long value) override { return settle(value * 2) + 1; }
};

} // namespace

std::unique_ptr<Stage> make_unplugged_stage() {
  return std::make_unique<UnpluggedStage>();
}
