using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Validators;
using FastContractorProxy.Benchmarks;

// Every benchmark reports allocations, and a run stops when the benchmarked code was built without JIT
// optimizations, for example by a Debug build of the product.
IConfig config = DefaultConfig.Instance
    .AddDiagnoser(MemoryDiagnoser.Default)
    .AddValidator(JitOptimizationsValidator.FailOnError);

BenchmarkSwitcher.FromAssembly(typeof(Http1ParserBenchmarks).Assembly).Run(args, config);
