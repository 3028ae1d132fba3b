// SPDX-License-Identifier: Apache-2.0
// Minimal Cortex-M33 start-up: vector table, .data/.bss set-up, static
// constructors, main(), then exit through semihosting with main's status.

#include <cstdint>

#include "semihost.h"

extern "C" {
extern uint32_t __stack_top;
extern uint32_t __stack_limit;
extern uint32_t __data_start, __data_end, __data_load, __bss_start, __bss_end;
extern void (*__init_array_start[])();
extern void (*__init_array_end[])();
int main();
[[noreturn]] void hush_m33_reset();
[[noreturn]] void hush_m33_fault();
}

namespace {

using Handler = void (*)();

// A fault in a test image is a failed run, never a hang.
[[noreturn]] void fault_report(const char* what) {
  hush::m33::write(what);
  hush::m33::exit(3);
}

void nmi() {
  fault_report("NMI\n");
}
void hard_fault() {
  fault_report("HardFault\n");
}
void mem_fault() {
  fault_report("MemManage fault\n");
}
void bus_fault() {
  fault_report("BusFault\n");
}
void usage_fault() {
  fault_report("UsageFault\n");
}
void secure_fault() {
  fault_report("SecureFault\n");
}
void unexpected() {
  fault_report("unexpected exception\n");
}

}  // namespace

extern "C" [[noreturn]] void hush_m33_fault() {
  fault_report("fault\n");
}

// Static objects with destructors register them with __cxa_atexit. A
// firmware never returns from main in a way that runs them, so the
// registration is a no-op and the C library's atexit machinery stays out.
extern "C" {
void* __dso_handle = nullptr;
int __cxa_atexit(void (*)(void*), void*, void*) {
  return 0;
}
}

// 16 system exceptions; the SSE-200's external interrupts stay masked.
__attribute__((section(".vectors"), used)) const Handler hush_m33_vectors[16] = {
    reinterpret_cast<Handler>(&__stack_top),
    hush_m33_reset,
    nmi,
    hard_fault,
    mem_fault,
    bus_fault,
    usage_fault,
    secure_fault,
    nullptr,
    nullptr,
    nullptr,
    unexpected,  // SVCall
    unexpected,  // DebugMonitor
    nullptr,
    unexpected,  // PendSV
    unexpected,  // SysTick
};

extern "C" [[noreturn]] void hush_m33_reset() {
  // Enable the separate MemManage/BusFault/UsageFault/SecureFault handlers so
  // a fault names itself.
  volatile uint32_t* const shcsr = reinterpret_cast<volatile uint32_t*>(0xE000ED24u);
  *shcsr |= (1u << 16) | (1u << 17) | (1u << 18) | (1u << 19);

  // Paint the stack so that the image can report its high-water mark.
  uint32_t* sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  for (uint32_t* p = &__stack_limit; p < sp - 16;) *p++ = hush::m33::kStackPaint;

  const uint32_t* src = &__data_load;
  for (uint32_t* dst = &__data_start; dst < &__data_end;) *dst++ = *src++;
  for (uint32_t* dst = &__bss_start; dst < &__bss_end;) *dst++ = 0;
  for (auto* f = __init_array_start; f < __init_array_end; ++f) (*f)();

  hush::m33::exit(main());
}

namespace hush::m33 {

uint32_t stack_high_water() noexcept {
  const uint32_t* p = &__stack_limit;
  while (p < &__stack_top && *p == kStackPaint) ++p;
  return static_cast<uint32_t>(reinterpret_cast<uintptr_t>(&__stack_top) - reinterpret_cast<uintptr_t>(p));
}

}  // namespace hush::m33
