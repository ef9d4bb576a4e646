// The libFuzzer entry point of one target, chosen at compile time (CREMA_FUZZ_TARGET).
#include "targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return crema::fuzz::CREMA_FUZZ_TARGET(data, size);
}
