// Precompiled header of the test targets (tests/CMakeLists.txt): the standard library,
// Boost.JSON and GoogleTest, which nearly every test file includes. Only headers from outside
// the repository, so editing Crema's own headers never rebuilds it.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>
