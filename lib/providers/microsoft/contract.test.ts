import { runProviderContract } from "@/lib/providers/contract-suite";
import { microsoftContractFixture } from "./test-fixtures";

runProviderContract("Microsoft Graph (emulator)", microsoftContractFixture);
