# SPDX-License-Identifier: Apache-2.0
# CMake toolchain file: Cortex-M33 (EFR32 Series 2 class) with Debian's
# arm-none-eabi-gcc 12 and newlib (packages gcc-arm-none-eabi,
# libnewlib-arm-none-eabi and libstdc++-arm-none-eabi-newlib).
#
#   cmake -S . -B build-m33 -G Ninja \
#     -DCMAKE_TOOLCHAIN_FILE=ports/cortex-m33/toolchain.cmake -DHUSH_CRYPTO=psa

set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR cortex-m33)

set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(CMAKE_AR arm-none-eabi-ar)
set(CMAKE_RANLIB arm-none-eabi-ranlib)
set(CMAKE_OBJCOPY arm-none-eabi-objcopy CACHE FILEPATH "")
set(CMAKE_SIZE arm-none-eabi-size CACHE FILEPATH "")

# Compiler checks link nothing: there is no default start-up or memory map.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(HUSH_M33_ARCH_FLAGS "-mcpu=cortex-m33 -mthumb")
# Size first, in every build type: the build types add no -O of their own.
set(CMAKE_C_FLAGS_INIT "${HUSH_M33_ARCH_FLAGS} -Os -ffunction-sections -fdata-sections")
set(CMAKE_CXX_FLAGS_INIT "${HUSH_M33_ARCH_FLAGS} -Os -ffunction-sections -fdata-sections -fno-exceptions -fno-rtti -fno-threadsafe-statics")
set(CMAKE_ASM_FLAGS_INIT "${HUSH_M33_ARCH_FLAGS}")
foreach(lang C CXX)
  set(CMAKE_${lang}_FLAGS_RELEASE_INIT "-DNDEBUG")
  set(CMAKE_${lang}_FLAGS_MINSIZEREL_INIT "-DNDEBUG")
  set(CMAKE_${lang}_FLAGS_RELWITHDEBINFO_INIT "-g -DNDEBUG")
  set(CMAKE_${lang}_FLAGS_DEBUG_INIT "-g")
endforeach()
set(CMAKE_EXE_LINKER_FLAGS_INIT "${HUSH_M33_ARCH_FLAGS} -Wl,--gc-sections --specs=nano.specs -nostartfiles")

# A cross build has no host tests or tools.
set(HUSH_BUILD_TESTS OFF CACHE BOOL "" FORCE)
set(HUSH_BUILD_TOOLS OFF CACHE BOOL "" FORCE)

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
