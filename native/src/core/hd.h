// Marks math that the CUDA impls share with the CPU ones.
#pragma once
#ifdef __CUDACC__
#define TL_HD __host__ __device__ __forceinline__
#else
#define TL_HD inline
#endif
