// SPDX-License-Identifier: MIT
// A key given twice in one object, found without building the text's tree: for the
// one-pass compiler, which finds such a key inside a value it skips but keeps no
// pointer there.
#pragma once

#include <string_view>

namespace asim::props::detail {

/// Reads `json_text` for its keys only and throws ScenarioFormatError (the second key's
/// pointer, duplicate_key_problem) at the first key given twice in one object; returns
/// when there is none, or when the text stops being JSON before one (parse_scenario
/// reports that). Memory: the open objects' keys, not the tree.
void check_keys_once(std::string_view json_text);

}  // namespace asim::props::detail
