"""The deployment that stands in for a core module whose implementation has not landed yet."""

from ray import serve

from actors.messages import AnalysisModule, ModuleRequest, ModuleResult

VERSION = "unavailable"


@serve.deployment
class PendingModule:
    """Answers every request with `status: skipped`: it computes nothing, so it asserts nothing."""

    def __init__(self, module: AnalysisModule) -> None:
        self.module = module

    async def analyze(self, request: ModuleRequest) -> ModuleResult:
        return ModuleResult(
            module=self.module, version=VERSION, status="skipped", detail="module not available in this release"
        )

    async def ping(self) -> bool:
        return True
