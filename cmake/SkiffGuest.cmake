# Guest image build: skiff_add_guest() (filled in by the guest work).
