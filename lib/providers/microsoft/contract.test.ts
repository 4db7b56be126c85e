import { runProviderContract } from "@/test/support/contract-suite";
import { microsoftContractFixture } from "@/test/support/microsoft";

runProviderContract("Microsoft Graph (emulator)", microsoftContractFixture);
