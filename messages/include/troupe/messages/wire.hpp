// Include this (never a generated .pb.h directly) to use troupe's wire
// messages: it brings the protobuf<->CAF bridge along, without which CAF
// cannot send them.
#pragma once

#include "troupe/messages/protobuf_inspect.hpp"
#include "troupe/wire/keeper.pb.h"
#include "troupe/wire/log.pb.h"
#include "troupe/wire/runtime.pb.h"
